package ecs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/hostile"
)

// container is a minimal container definition with more JSON members.
func container(more string) string {
	return `{"family":"f","containerDefinitions":[{"name":"a","image":"i","memory":512` + more + `}]}`
}

// cfn is a CloudFormation YAML template with a task whose container has more YAML lines
// (indented for the container's mapping).
func cfn(more string) string {
	return "Resources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n        - Name: a\n          Image: i\n          Memory: 512\n" + more
}

func envJSON(n int, pretty bool) string {
	sep := ","
	if pretty {
		sep = ",\n      "
	}
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"name":"VAR_%d","value":"value-%d"}`, i, i)
	}
	return container(`,"environment":[` + strings.Join(items, sep) + `]`)
}

func envFlowYAML(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("{Name: VAR_%d, Value: value-%d}", i, i)
	}
	return cfn("          Environment: [" + strings.Join(items, ", ") + "]\n")
}

func containers(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"name":"c%d","image":"i","memory":16,"portMappings":[{"containerPort":%d}],"environment":[{"name":"A","value":"1"}]}`, i, 1000+i)
	}
	return `{"family":"f","containerDefinitions":[` + strings.Join(items, ",") + `]}`
}

// TestHostile parses hostile task definitions: each loads or is refused with one positioned
// error, within hostile.MaxCPU and hostile.MaxMemory (docs/reliability.md).
func TestHostile(t *testing.T) {
	deepJSON := func(n int) string {
		return container(`,"dockerLabels":{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`)
	}
	cases := []struct {
		name string
		in   func() string
		// want is "ok" when the input must load, else a part of the one error it must give.
		want string
	}{
		// JSON.
		{"array-200000", func() string { return container(`,"command":[` + strings.Repeat(`"x",`, 200_000) + `"x"]`) }, "ok"},
		{"array-of-nulls", func() string { return container(`,"links":[` + strings.Repeat(`null,`, 300_000) + `null]`) }, "ok"},
		{"number-1MB", func() string { return container(`,"cpu":` + strings.Repeat("9", 1<<20)) }, `t.json:1:82: containerDefinitions[0].cpu: container "a": want an integer, got number 9999999999999999999999999999999999999999...`},
		{"number-exponent", func() string { return container(`,"cpu":1e999999999`) }, `want an integer, got number 1e999999999`},
		{"number-negative-zero", func() string { return container(`,"cpu":-0.0`) }, "ok"},
		{"string-5MB", func() string { return container(`,"dockerLabels":{"big":"` + strings.Repeat("x", 5<<20) + `"}`) }, "ok"},
		{"file-10MB", func() string { return container(`,"dockerLabels":{"big":"` + strings.Repeat("x", 10<<20) + `"}`) }, "t.json: the file is 10.0 MiB; berth reads files of up to 8 MiB"},
		{"deep-64", func() string { return deepJSON(60) }, `t.json:1:96: containerDefinitions[0].dockerLabels["x"]: container "a": want a string, got array`},
		{"deep-65", func() string { return deepJSON(70) }, "nesting deeper than 64 levels"},
		{"deep-100000", func() string { return deepJSON(100_000) }, "nesting deeper than 64 levels"},
		{"nul-escape", func() string { return container(`,"environment":[{"name":"A","value":"x\u0000y"}]`) }, "ok"},
		{"nul-raw", func() string { return container(`,"environment":[{"name":"A","value":"x` + "\x00" + `y"}]`) }, "t.json:1:96: invalid JSON: invalid character '\\x00' in string literal"},
		{"invalid-utf8", func() string { return container(`,"environment":[{"name":"A","value":"caf` + "\xe9\xff" + `"}]`) }, "ok"},
		{"bom", func() string { return "\xef\xbb\xbf" + container("") }, "ok"},
		{"crlf-tabs", func() string { return strings.ReplaceAll(container(`,`+"\t"+`"cpu":1`), ",", ",\r\n\t") }, "ok"},
		{"duplicate-keys", func() string { return container(`,"cpu":1,"cpu":2`) }, "ok"},
		{"environment-20000-minified", func() string { return envJSON(20_000, false) }, "ok"},
		{"environment-20000-pretty", func() string { return envJSON(20_000, true) }, "ok"},
		{"containers-10", func() string { return containers(10) }, "ok"},
		{"containers-2000", func() string { return containers(2000) }, "t.json:1:15: containerDefinitions: 2000 containers: ECS allows at most 10 per task definition"},
		{"long-logical-id", func() string {
			return `{"Resources":{"` + strings.Repeat("k", 1<<20) + `":{"Type":"AWS::ECS::TaskDefinition","Properties":{"ContainerDefinitions":[` + strings.Repeat(`{},`, 100) + `{}]}}}}`
		}, "the field paths of this document would take more than 64 MiB"},
		// YAML (CloudFormation).
		{"yaml-alias-cycle", func() string { return cfn("          DockerLabels: &l\n            a: *l\n") }, "t.json:10:16: alias *l is inside its own anchor &l"},
		{"yaml-merge-cycle", func() string { return cfn("          DockerLabels: &l\n            <<: *l\n") }, "t.json:10:17: alias *l is inside its own anchor &l"},
		{"yaml-key-cycle", func() string { return cfn("          DockerLabels: &l\n            <: *l\n") }, "t.json:10:16: alias *l is inside its own anchor &l"},
		{"yaml-sequence-cycle", func() string { return cfn("          Command: &c [echo, *c]\n") }, "t.json:9:30: alias *c is inside its own anchor &c"},
		{"yaml-tag-cycle", func() string { return cfn("          Image: &i !Sub [x, {a: *i}]\n") }, "alias *i is inside its own anchor &i"},
		{"yaml-bomb", func() string { return hostile.Bomb("X", 9, 9) + cfn("") }, "t.json:4:22: excessive aliasing: alias *a2"},
		{"yaml-deep-aliases", func() string {
			return "A: &a " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\nB: " + strings.Repeat("[", 40) + "*a" + strings.Repeat("]", 40) + "\n" + cfn("")
		}, "t.json:2:44: nesting deeper than 65 levels once alias *a is expanded"},
		{"yaml-merge-ok", func() string {
			return "X: &base\n  Image: i\n  Memory: 512\n" + cfn("          <<: *base\n")
		}, `unknown field "<<"`},
		{"yaml-aliased-text", func() string {
			return cfn("          DockerLabels: {a: &t " + strings.Repeat("y", 1<<20) + "}\n          Command: [" + strings.TrimSuffix(strings.Repeat("*t,", 40), ",") + "]\n")
		}, "t.json:10:111: excessive aliasing: alias *t stands for 1 MiB of text"},
		{"yaml-flow-20000", func() string { return envFlowYAML(20_000) }, "ok"},
		{"yaml-tabs", func() string { return cfn("\t\tCpu: 1\n") }, "t.json:9:1: invalid YAML: found a tab character that violates indentation"},
		{"yaml-nul", func() string { return cfn("          Cpu: \"1\x00\"\n") }, "t.json:9:18: invalid YAML: control characters are not allowed"},
		{"yaml-bom-crlf", func() string { return "\xef\xbb\xbf" + strings.ReplaceAll(cfn(""), "\n", "\r\n") }, "ok"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in())
			if testing.Short() && len(in) > 1<<20 {
				t.Skip("large input")
			}
			use, err := hostile.Measure(func() error {
				_, err := Parse([]Source{NewSource("t.json", in)}, nil, Options{})
				return err
			})
			msg := fmt.Sprint(err)
			if len(msg) > 300 {
				msg = msg[:300] + "..."
			}
			t.Logf("%s: %s", use, msg)
			hostile.Check(t, tc.want, err)
			hostile.CheckUse(t, use)
		})
	}
}
