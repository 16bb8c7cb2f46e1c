package main

import (
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestMethodsPruned fails when a function reachable in berth calls reflect's Method or
// MethodByName with a name the linker cannot see (text and html templates, protobuf's
// reflection do). The linker must then keep every exported method of every type in the
// program, Kubernetes' API types included: berth's text and data grew from 14.6 to 25.6 MB,
// and a run mapped 5 MB more of it. The test names the functions that did it.
func TestMethodsPruned(t *testing.T) {
	if testing.Short() {
		t.Skip("links berth (about 20 s)")
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, "-ldflags=-dumpdep", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build -ldflags=-dumpdep: %v\n%.2000s", err, out)
	}
	culprits := map[string]bool{}
	for line := range strings.SplitSeq(string(out), "\n") {
		for _, side := range strings.Split(line, " -> ") {
			if name, ok := strings.CutSuffix(side, " <ReflectMethod>"); ok {
				culprits[name] = true
			}
		}
	}
	if len(out) < 1<<20 {
		t.Fatalf("the linker's dependency dump is %d bytes: -dumpdep did not work", len(out))
	}
	if len(culprits) > 0 {
		names := slices.Sorted(maps.Keys(culprits))
		t.Errorf("reachable functions look methods up by a computed name, so no method is pruned:\n  %s",
			strings.Join(names, "\n  "))
	}
}
