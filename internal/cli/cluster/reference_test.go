package cluster

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/internal/golden"
)

// TestCLIReference keeps docs/cli.md, the flag reference, generated from the commands
// themselves: a flag added, renamed or re-documented in the code fails this test until
// `go test ./internal/cli/cluster -run TestCLIReference -update` rewrites the page.
func TestCLIReference(t *testing.T) {
	root := NewRoot(cli.IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}, Environ: []string{}})
	golden.AssertBytes(t, filepath.Join("..", "..", "..", "docs", "cli.md"), reference(root))
}

func reference(root *cobra.Command) []byte {
	var b bytes.Buffer
	b.WriteString("# Command reference\n\n")
	b.WriteString("Generated from berth's commands by `go test ./internal/cli/cluster -run TestCLIReference -update`;\n")
	b.WriteString("do not edit by hand. How each option maps the input is in [mapping.md](mapping.md).\n\n")
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		fmt.Fprintf(&b, "- [`berth %s`](#berth-%s): %s\n", c.Name(), c.Name(), c.Short)
	}
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		command(&b, c)
	}
	return b.Bytes()
}

func command(b *bytes.Buffer, c *cobra.Command) {
	fmt.Fprintf(b, "\n## berth %s\n\n%s\n\n```\n%s\n```\n", c.Name(), c.Short, c.UseLine())
	if long := strings.TrimSpace(c.Long); long != "" {
		fmt.Fprintf(b, "\n%s\n", long)
	}
	var rows []string
	c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		name := "`--" + f.Name + "`"
		if f.Shorthand != "" {
			name = "`-" + f.Shorthand + "`, " + name
		}
		def := f.DefValue
		switch def {
		case "", "[]", "false", "0":
			def = ""
		default:
			def = "`" + def + "`"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s |", name, def, escape(f.Usage)))
	})
	if len(rows) > 0 {
		b.WriteString("\n| Flag | Default | Meaning |\n|---|---|---|\n")
		b.WriteString(strings.Join(rows, "\n"))
		b.WriteString("\n")
	}
	for _, sub := range c.Commands() {
		if !sub.Hidden {
			command(b, sub)
		}
	}
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
