package compose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/hostile"
)

// hostileCase is one hostile project: committed under testdata/hostile/<name>, or generated
// (files: name -> content) when too big to commit.
type hostileCase struct {
	name  string
	files func() map[string]string
	// want is "ok" when the project must load, else a part of the one error it must give.
	want string
}

// TestHostile loads each hostile project: it loads or is refused with one positioned error,
// within hostile.MaxCPU and hostile.MaxMemory (docs/reliability.md).
func TestHostile(t *testing.T) {
	cases := []hostileCase{
		{name: "alias-key-cycle", want: "compose.yaml:2:8: alias *common is inside its own anchor &common"},
		{name: "alias-merge-cycle", want: "compose.yaml:4:9: alias *web is inside its own anchor &web"},
		{name: "alias-merge-list-cycle", want: "compose.yaml:5:17: alias *web is inside its own anchor &web"},
		{name: "alias-sequence-cycle", want: "compose.yaml:4:24: alias *c is inside its own anchor &c"},
		{name: "alias-deep-cycle", want: "compose.yaml:7:22: alias *web is inside its own anchor &web"},
		{name: "alias-complex-key-cycle", want: "compose.yaml:2:5: alias *a is inside its own anchor &a"},
		{name: "alias-cycle-second-document", want: "compose.yaml:5:13: alias *a is inside its own anchor &a"},
		{name: "alias-cycle-in-environment", want: "compose.yaml:6:11: alias *e is inside its own anchor &e"},
		{name: "merge-keys-ok", want: "ok"},
		{name: "include-cycle-file", want: "other.yaml:5:11: alias *db is inside its own anchor &db"},
		{name: "include-bomb-file", want: "excessive aliasing"},
		{name: "extends-cycle-file", want: "base.yaml:4:14: alias *b is inside its own anchor &b"},
		{name: "anchor-across-include", want: `other.yaml:3:9: invalid YAML: unknown anchor 'common' referenced`},
		{name: "anchor-across-extends", want: `base.yaml:3:9: invalid YAML: unknown anchor 'common' referenced`},
		{name: "invalid-utf8", want: "compose.yaml:5:18: invalid YAML: invalid trailing UTF-8 octet"},
		{name: "bom", want: "ok"},
		{name: "crlf", want: "ok"},
		{name: "nul-byte", want: "compose.yaml:5:12: invalid YAML: control characters are not allowed"},
		{name: "nul-escape", want: "ok"},
		{name: "tabs", want: "compose.yaml:2:1: invalid YAML: found character that cannot start any token"},
		{name: "duplicate-keys", want: `compose.yaml:4:5: invalid YAML: mapping key "image" already defined at line 3`},
		{name: "duplicate-services", want: `compose.yaml:4:3: invalid YAML: mapping key "web" already defined at line 2`},
		{name: "env-file-hostile", want: "hostile.env:13: invalid env file: unterminated quoted value"},
		{name: "dotenv-hostile", want: ".env:4: invalid env file: unterminated quoted value"},
		{name: "dockerfile-hostile", want: "ok"},
		// Generated.
		{name: "billion-laughs", files: project(hostile.Bomb("x-l", 9, 9)), want: "compose.yaml:7:28: excessive aliasing: alias *a2"},
		{name: "wide-bomb", files: project(hostile.Bomb("x-l", 3, 3000)), want: "excessive aliasing"},
		{name: "deep-flow-10001", files: project("x-deep: " + strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001) + "\n"), want: "exceeded max depth of 10000"},
		{name: "deep-flow-1500", files: project("x-deep: " + strings.Repeat("[", 1500) + strings.Repeat("]", 1500) + "\n"), want: "compose.yaml:4:1007: nesting deeper than 1000 levels"},
		{name: "deep-flow-900", files: project("x-deep: " + strings.Repeat("[", 900) + strings.Repeat("]", 900) + "\n"), want: "ok"},
		{name: "deep-block-1200", files: project(deepBlock(1200)), want: "nesting deeper than 1000 levels"},
		{name: "deep-through-aliases", files: project(deepAliases(20, 60)), want: "nesting deeper than 1000 levels once alias *d16 is expanded"},
		{name: "aliased-text", files: project(aliasedText(1<<20, 500)), want: "compose.yaml:25:100: excessive aliasing: alias *b stands for 1.0 MiB of text, and the document's text with its aliases expanded exceeds 32 MiB"},
		{name: "long-keys", files: project(longKeys(300_000, 300)), want: "compose.yaml:1:1: the document is too large: the field paths of its nodes, aliases expanded, would take 86.1 MiB (the limit is 64 MiB)"},
		{name: "scalar-10MB", files: project("x-big: " + strings.Repeat("x", 10<<20) + "\n"), want: "compose.yaml: the file is 10.0 MiB; berth reads files of up to 8 MiB"},
		{name: "scalar-1MB", files: project("x-big: " + strings.Repeat("x", 1<<20) + "\n"), want: "ok"},
		{name: "label-1MB", files: label(strings.Repeat("y", 1<<20)), want: "ok"},
		{name: "one-line-10000", files: oneLine(10_000), want: "ok"},
		{name: "services-2000", files: services(2000), want: "ok"},
		{name: "environment-10000", files: environment(10_000), want: "ok"},
		{name: "shared-anchor-500", files: sharedAnchor(500, 50), want: "ok"},
		{name: "dockerfile-continuations", files: dockerfile(strings.Repeat("EXPOSE 80 \\\n", 60_000)), want: "ok"},
		{name: "dockerfile-long-line", files: dockerfile("EXPOSE " + strings.Repeat("8", 70_000) + "\n"), want: "ok"},
		{name: "env-file-1MB-line", files: envFile("A=" + strings.Repeat("v", 1<<20) + "\n"), want: "ok"},
		{name: "env-file-50000-lines", files: envFile(strings.Repeat("export K=\"v\\n${UNSET:-x}\"\n", 50_000)), want: "ok"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.files != nil && testing.Short() {
				t.Skip("generated input")
			}
			dir := filepath.Join("testdata", "hostile", tc.name)
			if tc.files != nil {
				dir = t.TempDir()
				for name, content := range tc.files() {
					if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			use, err := hostile.Measure(func() error {
				_, err := Load(context.Background(), Options{WorkingDir: abs, Environ: []string{"PWD=" + abs}})
				return err
			})
			hostile.Check(t, tc.want, err)
			t.Logf("%s: %v", use, err)
			hostile.CheckUse(t, use)
		})
	}
}

const webService = "services:\n  web:\n    image: alpine\n"

// project is a compose.yaml of one service and more.
func project(more string) func() map[string]string {
	return func() map[string]string { return map[string]string{"compose.yaml": webService + more} }
}

func deepBlock(n int) string {
	var b strings.Builder
	b.WriteString("x-deep:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s- \n", strings.Repeat(" ", i))
	}
	return b.String()
}

// deepAliases nests anchors: each level puts the one before inside depth lists.
func deepAliases(levels, depth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "x-d0: &d0 x\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "x-d%d: &d%d %s*d%d%s\n", i, i, strings.Repeat("[", depth), i-1, strings.Repeat("]", depth))
	}
	return b.String()
}

// aliasedText is a scalar of size bytes (with a $ compose-go interpolates) aliased uses times,
// after enough other nodes to pass go-yaml's aliasing rule.
func aliasedText(size, uses int) string {
	var b strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "x-f%d: %d\n", i, i)
	}
	fmt.Fprintf(&b, "x-big: &b \"$$%s\"\nx-uses: [%s]\n", strings.Repeat("y", size), strings.TrimSuffix(strings.Repeat("*b,", uses), ","))
	return b.String()
}

// longKeys is one key of keyLen bytes above n values.
func longKeys(keyLen, n int) string {
	return fmt.Sprintf("x-long: {k%s: [%s]}\n", strings.Repeat("k", keyLen), strings.TrimSuffix(strings.Repeat("1,", n), ","))
}

func label(v string) func() map[string]string {
	return func() map[string]string {
		return map[string]string{"compose.yaml": webService + "    labels:\n      big: " + v + "\n"}
	}
}

// oneLine is a whole project in flow style on one line: n variables.
func oneLine(n int) func() map[string]string {
	return func() map[string]string {
		vars := make([]string, n)
		for i := range vars {
			vars[i] = fmt.Sprintf("V%d: v%d", i, i)
		}
		return map[string]string{"compose.yaml": "{services: {web: {image: alpine, environment: {" + strings.Join(vars, ", ") + "}}}}"}
	}
}

func services(n int) func() map[string]string {
	return func() map[string]string {
		var b strings.Builder
		b.WriteString("services:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  s%d:\n    image: alpine\n    ports: [\"%d:80\"]\n    environment:\n      A: \"1\"\n", i, 10000+i)
		}
		return map[string]string{"compose.yaml": b.String()}
	}
}

func environment(n int) func() map[string]string {
	return func() map[string]string {
		var b strings.Builder
		b.WriteString(webService + "    environment:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "      VAR_%d: value-%d\n", i, i)
		}
		return map[string]string{"compose.yaml": b.String()}
	}
}

// sharedAnchor is n services merging one anchored environment of vars variables.
func sharedAnchor(n, vars int) func() map[string]string {
	return func() map[string]string {
		var b strings.Builder
		b.WriteString("x-env: &env\n")
		for i := 0; i < vars; i++ {
			fmt.Fprintf(&b, "  V%d: v\n", i)
		}
		b.WriteString("services:\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "  s%d:\n    image: alpine\n    environment:\n      <<: *env\n      OWN: \"%d\"\n", i, i)
		}
		return map[string]string{"compose.yaml": b.String()}
	}
}

func dockerfile(content string) func() map[string]string {
	return func() map[string]string {
		return map[string]string{"compose.yaml": "services:\n  web:\n    build: .\n", "Dockerfile": "FROM alpine\n" + content}
	}
}

func envFile(content string) func() map[string]string {
	return func() map[string]string {
		return map[string]string{"compose.yaml": webService + "    env_file: app.env\n", "app.env": content}
	}
}

// TestLargeDocument loads a document of more than compose-go's default 100 000 YAML nodes.
func TestLargeDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	var b strings.Builder
	b.WriteString("services:\n  big:\n    image: alpine\n    command:\n")
	const n = 110_000 // one node each
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "      - a%d\n", i)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := Load(context.Background(), Options{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(app.Service("big").Main().Args); got != n {
		t.Errorf("args = %d, want %d", got, n)
	}
}
