package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/convert/secretrule"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/plan"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/report"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// The leak test proves the invariant of docs/secrets.md on every golden case and every corpus
// Compose file: no secret value appears outside Secret data (and the git-ignored files that
// generate it) in any output: yaml, json, kustomize, helm, the report (md, json, html), the
// plan and stderr.
//
// Which values are secret is decided twice, independently: the values berth put into Secrets
// in a first conversion, and the values of variables whose names pkg/convert/secretrule/testdata/secret-names.tsv
// labels secret (so a rule weakened in berth still leaves its names secret here). Each such
// value is replaced, in the loaded model, by a random canary wherever Compose's interpolation
// would have put it (variables, command, args, healthchecks, secret/config/bind file content);
// values secret by their shape alone (a URL with a password, a JWT, AKIA...) are checked as
// they are, since a canary would lose the shape that makes them secret;
// and one more canary is planted per app: a variable CANARY_API_KEY, also used in the first
// container's args, healthcheck and first config file. Canaries are long and random, so
// finding one is never a coincidence with an image name or a host.

// leakCase is one app to check: its input args.
type leakCase struct {
	name string
	args []string
}

func leakCases(t *testing.T) []leakCase {
	var cases []leakCase
	dirs := goldenCases(t)
	for _, dir := range dirs {
		abs, _ := filepath.Abs(dir)
		cases = append(cases, leakCase{"golden/" + filepath.Base(dir), caseArgs(abs)})
	}
	root := corpus.Path(t, "compose")
	if _, err := os.Stat(root); err != nil {
		t.Logf("corpus absent: golden cases only")
		return cases
	}
	for _, f := range corpus.ComposeFiles(t, root) {
		rel, _ := filepath.Rel(root, f)
		if _, mustFail := corpusFailures[filepath.ToSlash(rel)]; !mustFail {
			cases = append(cases, leakCase{"corpus/" + filepath.ToSlash(rel), []string{"-f", f}})
		}
	}
	// the real self-hosted apps (../shared/corpus/realapps), when present
	if real := corpus.Path(t, "realapps"); isDir(real) {
		for _, f := range corpus.ProjectFiles(t, real) {
			rel, _ := filepath.Rel(real, f)
			args := []string{"-f", f}
			if ov := corpus.Override(f); ov != "" {
				args = append(args, "-f", ov) // as docker compose up loads them
			}
			for _, p := range corpus.Profiles(f) {
				args = append(args, "--profile", p) // as the install docs run it
			}
			cases = append(cases, leakCase{"realapps/" + filepath.ToSlash(rel), args})
		}
	}
	return cases
}

func TestSecretsNeverLeak(t *testing.T) {
	labels := secretNameLabels(t)
	var apps, values, outputs int
	for _, c := range leakCases(t) {
		t.Run(c.name, func(t *testing.T) {
			n, o := checkNoLeak(t, c, labels)
			apps++
			values += n
			outputs += o
		})
	}
	t.Logf("%d apps, %d secret values (canaries, planted ones included), %d outputs checked", apps, values, outputs)
}

// checkNoLeak converts c with its secret values replaced by canaries and checks every output;
// it returns how many canaries and outputs it checked.
func checkNoLeak(t *testing.T, c leakCase, labels map[string]string) (int, int) {
	t.Helper()
	flags, opts := leakFlags(t, c.args)
	app, err := flags.Load(context.Background())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	first, err := convert.Convert(app, opts)
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	secretish := map[string]bool{}
	for _, v := range secretValuesOf(t, objectDocs(t, first.Objects)) {
		// whole files (several lines) stay as they are: a canary in their place would make a
		// file of credentials look harmless; their single-line values are caught by name
		if !strings.Contains(v, "\n") {
			secretish[v] = true
		}
	}
	for _, svc := range app.Services {
		for _, ctr := range svc.Containers {
			for _, e := range ctr.Env {
				if labelled(labels, e.Name, e.Value) && weighty(e.Value) {
					secretish[e.Value] = true
				}
			}
		}
	}
	app, err = flags.Load(context.Background()) // a fresh model to plant the canaries in
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed(c.name), 16))
	canaries := map[string]string{}
	var shaped []string // secret by their shape: checked as they are, a canary would lose it
	for _, v := range sortedKeys(secretish) {
		if secretrule.Value(v) {
			shaped = append(shaped, v)
		} else {
			canaries[v] = canary(rng)
		}
	}
	plantCanaries(app, canaries)
	planted := canary(rng)
	plantCanary(app, planted)
	res, err := convert.Convert(app, opts)
	if err != nil {
		t.Fatalf("convert with canaries: %v", err)
	}
	all := append(append(mapValues(canaries), planted), shaped...)
	outs := leakOutputs(t, app, res)
	for _, o := range outs {
		for _, cn := range all {
			for _, form := range []string{cn, base64.StdEncoding.EncodeToString([]byte(cn))} {
				if i := strings.Index(o.text, form); i >= 0 {
					t.Errorf("%s: a secret value leaks: ...%s...", o.name, context80(o.text, i))
				}
			}
		}
	}
	// not vacuous: the planted canary reached a Secret
	inSecret := false
	for _, v := range secretValuesOf(t, objectDocs(t, res.Objects)) {
		inSecret = inSecret || strings.Contains(v, planted)
	}
	if !inSecret {
		t.Errorf("the planted canary is in no Secret: the test checks nothing")
	}
	return len(all), len(outs)
}

// leakFlags parses c's args like berth convert (flags of the output, such as --format, are
// ignored).
func leakFlags(t *testing.T, args []string) (*ConvertFlags, convert.Options) {
	t.Helper()
	f := &ConvertFlags{Environ: []string{}}
	fs := pflag.NewFlagSet("leak", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	f.Bind(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f, f.Options
}

// output is one rendered output with the parts that may hold secrets taken out.
type output struct{ name, text string }

// leakOutputs renders every output format and returns the text that must hold no secret:
// non-Secret documents of the yaml and json streams, kustomize and helm files but the
// git-ignored secret data, the reports, the plan and stderr.
func leakOutputs(t *testing.T, app *model.App, res *convert.Result) []output {
	t.Helper()
	var out []output
	docs := objectDocs(t, res.Objects)
	var plain bytes.Buffer
	for _, d := range docs {
		if kindOf(t, d) != "Secret" {
			plain.Write(d)
		}
	}
	out = append(out, output{"yaml (non-Secret objects)", plain.String()})
	jf, _ := render.ForName(render.JSON)
	js, err := jf.Stream(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, output{"json (non-Secret objects)", nonSecretJSON(t, js)})
	kz, err := render.KustomizeFormat{Overlays: []string{"prod"}}.Dir(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range kz {
		dir, _ := filepath.Split(f.Path)
		if strings.HasSuffix(dir, "/secrets/") || strings.Contains(dir, "/secrets/") {
			if !hasFile(kz, secretsDir(f.Path)+".gitignore") {
				t.Errorf("kustomize %s: secret data without a .gitignore beside it", f.Path)
			}
			continue
		}
		out = append(out, output{"kustomize " + f.Path, string(f.Data)})
	}
	hm, err := render.HelmFormat{}.Dir(res.Objects)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range hm {
		if f.Path != render.SecretValuesFile {
			out = append(out, output{"helm " + f.Path, string(f.Data)})
		}
	}
	red := report.NewRedactor(app, res.Objects)
	for _, format := range []string{report.Markdown, report.JSON, report.HTML} {
		data, err := report.Render(report.Build(app, res, red), format)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, output{"report " + format, string(data)})
	}
	out = append(out, output{"plan", string(plan.Markdown(app, res, plan.Options{}))})
	var stderr bytes.Buffer
	n := PrintWarnings(&stderr, res.Diagnostics, red)
	summary(&stderr, res, n, "out")
	out = append(out, output{"stderr", stderr.String()})
	return out
}

func secretsDir(p string) string {
	i := strings.LastIndex(p, "/secrets/")
	return p[:i+len("/secrets/")]
}

func hasFile(fs render.Files, p string) bool {
	for _, f := range fs {
		if f.Path == p {
			return true
		}
	}
	return false
}

// objectDocs are the objects as YAML documents.
func objectDocs(t *testing.T, objs []convert.Object) [][]byte {
	t.Helper()
	yf, _ := render.ForName(render.YAML)
	stream, err := yf.Stream(objs)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	for _, d := range strings.Split(string(stream), "\n---\n") {
		if d = strings.TrimPrefix(d, "---\n"); strings.TrimSpace(d) != "" {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

func kindOf(t *testing.T, doc []byte) string {
	t.Helper()
	var m struct{ Kind string }
	if err := yaml.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m.Kind
}

// nonSecretJSON is the JSON stream without its Secret objects.
func nonSecretJSON(t *testing.T, data []byte) string {
	t.Helper()
	var b strings.Builder
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		items, ok := v["items"].([]any)
		if !ok {
			items = []any{v}
		}
		for _, it := range items {
			if m, _ := it.(map[string]any); m["kind"] != "Secret" {
				j, _ := json.Marshal(it)
				b.Write(j)
			}
		}
	}
	return b.String()
}

// secretValuesOf collects the values of the Secrets among docs (data decoded, stringData),
// those long enough to be worth checking.
func secretValuesOf(t *testing.T, docs [][]byte) []string {
	t.Helper()
	var out []string
	for _, d := range docs {
		var s struct {
			Kind       string
			Data       map[string]string
			StringData map[string]string `json:"stringData"`
		}
		if err := yaml.Unmarshal(d, &s); err != nil {
			t.Fatal(err)
		}
		if s.Kind != "Secret" {
			continue
		}
		for _, v := range s.Data {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatal(err)
			}
			if weighty(string(b)) {
				out = append(out, string(b))
			}
		}
		for _, v := range s.StringData {
			if weighty(v) {
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out
}

// weighty reports a value worth treating as a secret: at least 4 characters and not a switch.
func weighty(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled":
		return false
	}
	return len(v) >= report.MinSecretLen
}

// secretNameLabels reads the labelled names: name+"\x00"+value and name (when all its rows
// agree and none is secret by its value's shape) to "secret" or "plain".
func secretNameLabels(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "pkg", "convert", "secretrule", "testdata", "secret-names.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, "\t")
		if strings.HasPrefix(line, "#") || len(f) != 4 {
			continue
		}
		out[f[0]+"\x00"+f[1]] = f[2]
		if secretrule.Value(f[1]) {
			out[f[0]] = "mixed" // secret by its value, not its name: other values may be plain
			continue
		}
		if prev, ok := out[f[0]]; ok && prev != f[2] {
			out[f[0]] = "mixed"
		} else {
			out[f[0]] = f[2]
		}
	}
	return out
}

func labelled(labels map[string]string, name, value string) bool {
	if l, ok := labels[name+"\x00"+value]; ok {
		return l == "secret"
	}
	return labels[name] == "secret" && !strings.HasPrefix(value, "/")
}

// plantCanaries replaces each secret value by its canary wherever interpolation puts values.
func plantCanaries(app *model.App, canaries map[string]string) {
	// A value that holds another secret value as a token ("postgres,sentry" holding the
	// password "sentry") is secret because of it: the token's canary goes in its place, so the
	// value still holds a secret; a canary of its own would leave a plain-looking value.
	repl := func(s string) string {
		out := s
		for _, v := range sortedKeysByLen(canaries) {
			if v != s {
				out = replaceToken(out, v, canaries[v])
			}
		}
		if out != s {
			return out
		}
		if c, ok := canaries[s]; ok {
			return c
		}
		return s
	}
	replAll := func(list []string) {
		for i := range list {
			list[i] = repl(list[i])
		}
	}
	replBytes := func(b []byte) []byte {
		if !utf8.Valid(b) {
			return b
		}
		if c, ok := canaries[strings.TrimSpace(string(b))]; ok {
			return []byte(c)
		}
		return []byte(repl(string(b)))
	}
	for i := range app.Secrets {
		app.Secrets[i].Content = replBytes(app.Secrets[i].Content)
	}
	for i := range app.Configs {
		app.Configs[i].Content = replBytes(app.Configs[i].Content)
	}
	for _, svc := range app.Services {
		for ci := range svc.Containers {
			c := &svc.Containers[ci]
			for ei := range c.Env {
				c.Env[ei].Value = repl(c.Env[ei].Value)
			}
			replAll(c.Command)
			replAll(c.Args)
			if c.Health != nil {
				replAll(c.Health.Command)
			}
			for mi := range c.Mounts {
				for fi := range c.Mounts[mi].Files {
					c.Mounts[mi].Files[fi].Content = replBytes(c.Mounts[mi].Files[fi].Content)
				}
			}
		}
	}
}

// plantCanary adds a secret variable with value cn to the first container, and uses it in its
// args, its healthcheck and the app's first loaded config.
func plantCanary(app *model.App, cn string) {
	for _, svc := range app.Services {
		if len(svc.Containers) == 0 {
			continue
		}
		c := &svc.Containers[0]
		c.Env = append(c.Env, model.EnvVar{Name: "CANARY_API_KEY", Value: cn, Field: c.Field + ".environment.CANARY_API_KEY"})
		c.Args = append(c.Args, "--canary-token="+cn)
		if h := c.Health; h != nil && len(h.Command) > 0 {
			if h.Type == model.HealthShell {
				h.Command[0] += " || echo " + cn
			} else {
				h.Command = append(h.Command, "-p"+cn)
			}
		}
		break
	}
	for i := range app.Configs {
		if app.Configs[i].Loaded && utf8.Valid(app.Configs[i].Content) {
			app.Configs[i].Content = append(app.Configs[i].Content, []byte("\ncanary_setting = "+cn+"\n")...)
			break
		}
	}
}

// replaceToken replaces v in s where it stands as a token (not glued to letters, digits, '.',
// '_' or '-'; or right after a one-letter flag such as -p).
func replaceToken(s, v, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, v)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(v)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		flag := i >= 2 && s[i-2] == '-' && (i == 2 || !tokenRune(rune(s[i-3])))
		left := i == 0 || !tokenRune(before) || flag
		right := end == len(s) || !tokenRune(after)
		b.WriteString(s[:i])
		if left && right {
			b.WriteString(with)
		} else {
			b.WriteString(v)
		}
		s = s[end:]
	}
}

func tokenRune(r rune) bool {
	return r == '.' || r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// canary is a random value: "cnry" and 28 random lower-case letters. It is deliberately not
// high-entropy by berth's value rules (no digits, no upper case), so only the rules under test
// (names, equality, propagation) can keep it out of plain objects, never its shape.
func canary(rng *rand.Rand) string {
	b := []byte("cnry")
	for len(b) < 32 {
		b = append(b, byte('a'+rng.IntN(26)))
	}
	return string(b)
}

func seed(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

func sortedKeysByLen(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeysByLen(m) {
		out = append(out, m[k])
	}
	return out
}

func context80(s string, i int) string {
	from, to := max(0, i-60), min(len(s), i+60)
	return fmt.Sprintf("%q", s[from:to])
}

// isDir says whether p is a directory.
func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
