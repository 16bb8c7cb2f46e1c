package cluster

import (
	"bytes"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
)

// The lean berth lists the cluster commands (cli.ClusterCommands) to hand them over; this
// package builds them. The two lists must name the same commands, in the same order, with the
// same one-line descriptions, or `berth help` and `berth-cluster help` disagree.
func TestClusterCommandsMatchExtension(t *testing.T) {
	io := cli.IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, Environ: []string{}}
	listed := cli.ClusterCommands()
	built := Extension().Commands
	if len(listed) != len(built) {
		t.Fatalf("cli.ClusterCommands lists %d commands, Extension builds %d", len(listed), len(built))
	}
	for i, add := range built {
		c := add(io)
		if c.Name() != listed[i].Name || c.Short != listed[i].Short {
			t.Errorf("command %d: built %q (%q), listed %q (%q)", i, c.Name(), c.Short, listed[i].Name, listed[i].Short)
		}
	}
}
