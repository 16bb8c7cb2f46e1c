package diag

import "testing"

// The same finding about the same field is said once: a rewrite found once per variable of an
// env_file (Leantime's, 72 variables) said the same line 72 times. A Breakf of something already
// said marks the earlier one; the same words about another field are another finding.
func TestLedgerSaysOnce(t *testing.T) {
	l := NewLedger([]Field{{Path: "services.app.env_file", Pos: Pos{File: "compose.yaml", Line: 23, Column: 15}}})
	for range 72 {
		l.Warnf("app", "services.app.env_file", "db_host became db-host")
	}
	l.Breakf("app", "services.app.env_file", "db_host became db-host")
	l.Warnf("db", "services.db.env_file", "db_host became db-host")
	l.Infof("app", "services.app.env_file", "db_host became db-host")
	got := l.Diagnostics()
	if len(got) != 3 {
		t.Fatalf("got %d diagnostics, want 3 (one warning per field, and the info): %v", len(got), got)
	}
	for _, d := range got {
		if d.Field == "services.app.env_file" && d.Severity == Warning && !d.Breaks {
			t.Errorf("the Breakf of an earlier warning did not mark it: %+v", d)
		}
	}
}
