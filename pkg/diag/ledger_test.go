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

// The same words for several services are said once, at the first, naming the others; each
// field keeps its entry, and a Breaking of any of the fields marks the one said. Words that
// differ, another field of the same service, a diagnostic without a position or without a
// service stay their own.
func TestLedgerSameWords(t *testing.T) {
	var fields []Field
	for i, f := range []string{"services.a.logging", "services.b.logging", "services.c.logging", "services.a.ports[0]", "services.c.ports[0]"} {
		fields = append(fields, Field{Path: f, Pos: Pos{File: "compose.yaml", Line: 10 * (i + 1), Column: 5}})
	}
	l := NewLedger(fields)
	const words = "logging drivers are not converted"
	l.Partial("c", "services.c.logging", words)
	l.Partial("a", "services.a.logging", words)
	l.Partial("b", "services.b.logging", words)
	l.Warnf("a", "services.a.ports[0]", "port 80 is published")
	l.Warnf("c", "services.c.ports[0]", words) // another field of c: its own
	l.Warnf("b", "services.b.ports[0]", words) // no position: its own
	l.Warnf("", "services.c.logging", words)   // no service: its own
	l.Breaking("services.b.logging")
	got := l.Diagnostics()
	var merged []Diagnostic
	for _, d := range got {
		if d.Message == words+" (the same for a, b)" {
			merged = append(merged, d)
		}
	}
	if len(got) != 5 || len(merged) != 1 {
		t.Fatalf("got %d diagnostics (%d merged), want 5 with one saying the words for c, a and b once: %v", len(got), len(merged), got)
	}
	if m := merged[0]; m.Service != "c" || m.Pos.Line != 30 || !m.Breaks {
		t.Errorf("merged diagnostic %+v: want c's position (line 30), marked breaks by b's field", m)
	}
	if n := len(l.Entries()); n != 3 {
		t.Errorf("%d entries, want one per field (3)", n)
	}
}
