package diag

import "testing"

func TestLedgerPos(t *testing.T) {
	at := func(line, col int) Pos { return Pos{File: "compose.yaml", Line: line, Column: col} }
	l := NewLedger([]Field{
		{Path: "services.web.image", Pos: at(3, 12)},
		{Path: "services.web.dns[1]", Pos: at(9, 9)},
		{Path: "services.web.dns[0]", Pos: at(8, 9)},
		{Path: "services.web.ulimits.nofile.soft", Pos: at(12, 20)},
		{Path: "services.webapp.image", Pos: at(20, 12)},
	})
	for _, tc := range []struct {
		field string
		want  Pos
	}{
		{"services.web.image", at(3, 12)},
		{"services.web.dns", at(8, 9)},
		{"services.web.ulimits.nofile", at(12, 20)},
		{"services.web.image.tag", at(3, 12)},
		{"services.web", at(3, 12)},
		{"services.db", Pos{}},
	} {
		if got := l.Pos(tc.field); got != tc.want {
			t.Errorf("Pos(%q) = %v, want %v", tc.field, got, tc.want)
		}
	}
}
