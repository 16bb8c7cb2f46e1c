package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/crds"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// goldenCases lists the case directories under testdata/golden.
func goldenCases(t *testing.T) []string {
	t.Helper()
	cases, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	return cases
}

// caseArgs returns a golden case's convert arguments with -f defaulted.
func caseArgs(caseDir string) []string {
	var args []string
	if extra, err := os.ReadFile(filepath.Join(caseDir, "args")); err == nil {
		for _, a := range strings.Fields(string(extra)) {
			args = append(args, strings.ReplaceAll(a, "$CASE", caseDir))
		}
	}
	if !slices.Contains(args, "-f") {
		args = append(args, "-f", filepath.Join(caseDir, "compose.yaml"))
	}
	return args
}

// objectSet parses YAML or JSON documents into objects keyed by kind/namespace/name.
func objectSet(t *testing.T, docs [][]byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal(d, &m); err != nil {
			t.Fatalf("parse %s: %v", d, err)
		}
		meta, _ := m["metadata"].(map[string]any)
		key := m["kind"].(string) + "/" + strOf(meta["namespace"]) + "/" + strOf(meta["name"])
		if _, dup := out[key]; dup {
			t.Fatalf("object %s twice", key)
		}
		out[key] = m
	}
	return out
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

// kustomizeBuild runs `kustomize build dir` in memory over files (slash paths under /out).
func kustomizeBuild(t *testing.T, files map[string]string, dir string) [][]byte {
	t.Helper()
	fsys := filesys.MakeFsInMemory()
	for p, data := range files {
		if err := fsys.WriteFile(filepath.Join("/out", p), []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, filepath.Join("/out", dir))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var docs [][]byte
	for _, r := range res.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, y)
	}
	return docs
}

// hashed matches a name with Kustomize's content-hash suffix.
var hashed = regexp.MustCompile(`^(.+)-[a-z0-9]{10}$`)

// unhash returns the built documents with the hash suffixes of the generated ConfigMaps and
// Secrets removed (from their names and every reference), and the hashed names it found.
func unhash(t *testing.T, docs [][]byte) ([][]byte, map[string]string) {
	t.Helper()
	names := map[string]string{} // hashed name -> name
	for _, d := range docs {
		var m struct {
			Kind     string
			Metadata struct{ Name string }
		}
		if err := yaml.Unmarshal(d, &m); err != nil {
			t.Fatal(err)
		}
		if sub := hashed.FindStringSubmatch(m.Metadata.Name); sub != nil && (m.Kind == "ConfigMap" || m.Kind == "Secret") {
			names[m.Metadata.Name] = sub[1]
		}
	}
	out := make([][]byte, len(docs))
	for i, d := range docs {
		s := string(d)
		for h, n := range names {
			s = regexp.MustCompile(`\b`+regexp.QuoteMeta(h)+`\b`).ReplaceAllString(s, n)
		}
		out[i] = []byte(s)
	}
	return out, names
}

// plainObjects converts a golden case with --format yaml and returns its objects.
func plainObjects(t *testing.T, args []string) map[string]map[string]any {
	t.Helper()
	return objectSet(t, plainDocs(t, args))
}

// plainDocs converts args with --format yaml -o DIR and returns the YAML files' contents.
func plainDocs(t *testing.T, args []string) [][]byte {
	t.Helper()
	plainDir := filepath.Join(t.TempDir(), "plain")
	if _, stderr, err := runBerth(t, append(append([]string{"convert"}, args...), "--format", "yaml", "-o", plainDir)...); err != nil {
		t.Fatalf("plain: %v\n%s", err, stderr)
	}
	var plain [][]byte
	for p, data := range readTree(t, plainDir) {
		if strings.HasSuffix(p, ".yaml") {
			plain = append(plain, []byte(data))
		}
	}
	return plain
}

// TestKustomizeBuildsPlainOutput converts every golden case with --format kustomize and two
// overlays and builds them with the kustomize API (krusty, as `kustomize build` does): base/
// builds to exactly the objects of the plain output; each untouched overlay builds to the same
// objects once the content hashes of its generated ConfigMaps and Secrets are taken out, and
// every generated one does carry a hash. Each case is rendered twice and must give the same
// bytes.
func TestKustomizeBuildsPlainOutput(t *testing.T) {
	cases := goldenCases(t)
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			args := caseArgs(abs)
			want := plainObjects(t, args)
			var trees [2]map[string]string
			for i := range trees {
				trees[i] = kustomizeTree(t, args, "staging", "prod")
			}
			if diff := cmp.Diff(trees[0], trees[1]); diff != "" {
				t.Fatalf("two renders differ (-first +second):\n%s", diff)
			}
			want = secretDataUnwrapped(want)
			if diff := cmp.Diff(want, secretDataUnwrapped(objectSet(t, kustomizeBuild(t, trees[0], "base")))); diff != "" {
				t.Errorf("kustomize build base differs from the plain output (-plain +kustomize):\n%s", diff)
			}
			var baseConfig struct {
				Resources       []string `json:"resources"`
				SecretGenerator []any    `json:"secretGenerator"`
			}
			if err := yaml.Unmarshal([]byte(trees[0]["base/config/kustomization.yaml"]), &baseConfig); err != nil {
				t.Fatal(err)
			}
			generated := len(baseConfig.Resources) + len(baseConfig.SecretGenerator)
			for _, kdir := range []string{"overlays/staging", "overlays/prod"} {
				docs, names := unhash(t, kustomizeBuild(t, trees[0], kdir))
				if len(names) != generated {
					t.Errorf("%s: %d hashed ConfigMaps/Secrets (%v), want %d (base/config)", kdir, len(names), names, generated)
				}
				if diff := cmp.Diff(want, secretDataUnwrapped(objectSet(t, docs))); diff != "" {
					t.Errorf("kustomize build %s differs from the plain output (-plain +kustomize):\n%s", kdir, diff)
				}
			}
		})
	}
}

// secretDataUnwrapped removes the line breaks Kustomize puts into long base64 values of
// generated Secrets (the apiserver's base64 decoding ignores them, as Go's does), and writes
// stringData as data (generated Secrets have only data; the apiserver stores stringData so).
func secretDataUnwrapped(objs map[string]map[string]any) map[string]map[string]any {
	for _, o := range objs {
		if sd, ok := o["stringData"].(map[string]any); ok && o["kind"] == "Secret" {
			data, _ := o["data"].(map[string]any)
			if data == nil {
				data = map[string]any{}
			}
			for k, v := range sd {
				s, _ := v.(string)
				data[k] = base64.StdEncoding.EncodeToString([]byte(s))
			}
			o["data"] = data
			delete(o, "stringData")
		}
		if data, ok := o["data"].(map[string]any); ok && o["kind"] == "Secret" {
			for k, v := range data {
				if s, ok := v.(string); ok {
					data[k] = strings.ReplaceAll(s, "\n", "")
				}
			}
		}
	}
	return objs
}

// kustomizeTree converts a case with --format kustomize and the overlays; it returns the tree.
func kustomizeTree(t *testing.T, args []string, overlays ...string) map[string]string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "k")
	full := append(append([]string{"convert"}, args...), "--format", "kustomize", "-o", out)
	for _, o := range overlays {
		full = append(full, "--overlay", o)
	}
	if _, stderr, err := runBerth(t, full...); err != nil {
		t.Fatalf("kustomize: %v\n%s", err, stderr)
	}
	return readTree(t, out)
}

// built returns the object kind/namespace/name of a build whose name, without hash, is name.
func built(t *testing.T, docs [][]byte, kind, name string) map[string]any {
	t.Helper()
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal(d, &m); err != nil {
			t.Fatal(err)
		}
		n := m["metadata"].(map[string]any)["name"].(string)
		if sub := hashed.FindStringSubmatch(n); sub != nil && (kind == "ConfigMap" || kind == "Secret") {
			n = sub[1]
		}
		if m["kind"] == kind && n == name {
			return m
		}
	}
	t.Fatalf("no %s %s in the build", kind, name)
	return nil
}

// TestKustomizeOverlayConfigRolls: changing a value in an overlay's env file (ConfigMap and
// Secret) changes the generated object's name and the Deployment's reference to it, so the
// pods roll; the other overlay and the base are unaffected.
func TestKustomizeOverlayConfigRolls(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "golden", "config-secrets"))
	if err != nil {
		t.Fatal(err)
	}
	tree := kustomizeTree(t, caseArgs(abs), "prod")
	refs := func(docs [][]byte) (cm, secret string, envFrom string) {
		cm = built(t, docs, "ConfigMap", "api-env")["metadata"].(map[string]any)["name"].(string)
		secret = built(t, docs, "Secret", "api-secret-env")["metadata"].(map[string]any)["name"].(string)
		d, _ := yaml.Marshal(built(t, docs, "Deployment", "api")["spec"])
		return cm, secret, string(d)
	}
	cm1, sec1, dep1 := refs(kustomizeBuild(t, tree, "overlays/prod"))
	if !strings.Contains(dep1, "name: "+cm1+"\n") || !strings.Contains(dep1, "name: "+sec1+"\n") {
		t.Fatalf("Deployment api does not use %s and %s:\n%s", cm1, sec1, dep1)
	}
	env := tree["overlays/prod/config/api-env.env"]
	secret := tree["overlays/prod/secrets/api-secret-env.env"]
	if !strings.Contains(env, "=") || !strings.Contains(secret, "API_TOKEN=") {
		t.Fatalf("unexpected env files:\n%s\n%s", env, secret)
	}
	tree["overlays/prod/config/api-env.env"] = env + "ADDED=1\n"
	cm2, sec2, dep2 := refs(kustomizeBuild(t, tree, "overlays/prod"))
	if cm2 == cm1 || sec2 != sec1 {
		t.Errorf("after a config change: ConfigMap %s -> %s (want a new name), Secret %s -> %s (want the same)", cm1, cm2, sec1, sec2)
	}
	if !strings.Contains(dep2, "name: "+cm2+"\n") || strings.Contains(dep2, cm1) {
		t.Errorf("Deployment api does not follow the new ConfigMap %s:\n%s", cm2, dep2)
	}
	tree["overlays/prod/secrets/api-secret-env.env"] = strings.Replace(secret, "API_TOKEN=", "API_TOKEN=rotated-", 1)
	_, sec3, dep3 := refs(kustomizeBuild(t, tree, "overlays/prod"))
	if sec3 == sec2 || !strings.Contains(dep3, "name: "+sec3+"\n") {
		t.Errorf("after a secret change: Secret %s -> %s, Deployment:\n%s", sec2, sec3, dep3)
	}
	if diff := cmp.Diff(plainObjects(t, caseArgs(abs)), objectSet(t, kustomizeBuild(t, tree, "base"))); diff != "" {
		t.Errorf("the base changed with the overlay (-plain +base):\n%s", diff)
	}
}

// TestKustomizeOverlayEdits proves the overlay's images, replicas, example patch and namespace
// take effect: editing them changes the built objects (RoleBinding subjects move with the
// namespace).
func TestKustomizeOverlayEdits(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "golden", "example-shop"))
	if err != nil {
		t.Fatal(err)
	}
	tree := kustomizeTree(t, caseArgs(abs), "prod")
	k := tree["overlays/prod/kustomization.yaml"]
	if !strings.Contains(k, "newTag: 1.27-alpine") || !strings.Contains(k, "count: 2") {
		t.Fatalf("overlay lacks the nginx tag or web's replicas:\n%s", k)
	}
	k = strings.Replace(k, "newTag: 1.27-alpine", "newTag: 1.28-alpine", 1)
	tree["overlays/prod/kustomization.yaml"] = strings.Replace(k, "count: 2", "count: 5", 1)
	tree["overlays/prod/namespace.yaml"] = strings.Replace(tree["overlays/prod/namespace.yaml"], "namespace: shop", "namespace: shop-prod", 1)
	var patch string
	for p, data := range tree {
		if strings.HasPrefix(p, "overlays/prod/patches/") {
			patch = p
			tree[p] = regexp.MustCompile(`memory: \S+`).ReplaceAllString(data, "memory: 3Gi")
		}
	}
	if patch == "" {
		t.Fatal("no example patch in overlays/prod/patches")
	}
	objs := objectSet(t, kustomizeBuild(t, tree, "overlays/prod"))
	web := objs["Deployment/shop-prod/web"]
	if web == nil {
		t.Fatalf("no Deployment shop-prod/web in %v", slices.Sorted(maps.Keys(objs)))
	}
	spec := web["spec"].(map[string]any)
	if got := spec["replicas"]; got != float64(5) {
		t.Errorf("replicas = %v, want 5", got)
	}
	containers := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
	if got := containers[0].(map[string]any)["image"]; got != "nginx:1.28-alpine" {
		t.Errorf("image = %v, want nginx:1.28-alpine", got)
	}
	if objs["Namespace//shop-prod"] == nil {
		t.Error("the Namespace object did not move to shop-prod")
	}
	for key, o := range objs {
		data, _ := yaml.Marshal(o)
		if strings.Contains(string(data), "namespace: shop\n") {
			t.Errorf("%s still names namespace shop:\n%s", key, data)
		}
		if strings.Contains(string(data), "memory: 3Gi") {
			patch = ""
		}
	}
	if patch != "" {
		t.Errorf("the edited example patch %s changed nothing", patch)
	}
}

// TestKustomizeFlags checks the flag errors.
func TestKustomizeFlags(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "golden", "example-shop"))
	if err != nil {
		t.Fatal(err)
	}
	base := append([]string{"convert"}, caseArgs(abs)...)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "kustomize", "--stdout"}, "give -o DIR"},
		{[]string{"--overlay", "prod", "-o", t.TempDir() + "/x"}, "--overlay needs --format kustomize"},
		{[]string{"--format", "kustomize", "--overlay", "Prod", "-o", t.TempDir() + "/x"}, "must be a DNS label"},
		{[]string{"--format", "kustomize", "--overlay", "a", "--overlay", "a", "-o", t.TempDir() + "/x"}, "given twice"},
	} {
		_, _, err := runBerth(t, append(slices.Clone(base), tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want it to contain %q", tc.args, err, tc.want)
		}
	}
}

// TestKustomizeOverlaysPassServerDryRun builds every golden case's overlay, moved to another
// namespace, and has a real kube-apiserver check each object (server-side apply dry-run,
// strict field validation): the generated ConfigMaps and Secrets, the patched workloads and
// the moved RoleBindings are all objects a cluster accepts.
func TestKustomizeOverlaysPassServerDryRun(t *testing.T) {
	cases := goldenCases(t)
	c := cluster.ForTest(t, cluster.Options{Mode: cluster.APIServerOnly})
	if err := crds.Install(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			tree := kustomizeTree(t, caseArgs(abs), "prod")
			if ns, ok := tree["overlays/prod/namespace.yaml"]; ok {
				tree["overlays/prod/namespace.yaml"] = regexp.MustCompile(`(?m)^  namespace: (\S+)$`).ReplaceAllString(ns, "  namespace: ${1}-prod")
			}
			docs := kustomizeBuild(t, tree, "overlays/prod")
			objs, err := validate.ParseYAML(bytes.Join(docs, []byte("---\n")))
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.DryRun(context.Background(), objs)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Err(res); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestKustomizeSecretFilesOwnerOnly: the overlays' Secret data files are written 0600, the
// ConfigMap data files 0644.
func TestKustomizeSecretFilesOwnerOnly(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "golden", "config-secrets"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "k")
	if _, stderr, err := runBerth(t, append(append([]string{"convert"}, caseArgs(abs)...), "--format", "kustomize", "--overlay", "prod", "-o", out)...); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	seen := 0
	err = filepath.WalkDir(filepath.Join(out, "overlays", "prod"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		want := os.FileMode(0o644)
		if strings.Contains(rel, string(filepath.Separator)+"secrets"+string(filepath.Separator)) {
			want, seen = 0o600, seen+1
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", rel, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 2 {
		t.Errorf("%d secret data files, want the api-key and api-secret-env data", seen)
	}
}

// TestCorpusKustomize converts every real-world corpus Compose file that converts on its own
// with --format kustomize and an overlay: base builds (krusty) to exactly the plain output, the
// overlay to the same objects once its content hashes are taken out.
func TestCorpusKustomize(t *testing.T) {
	root := corpus.Dir(t, "compose")
	files := corpus.ComposeFiles(t, root)
	built := 0
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		if _, mustFail := corpusFailures[filepath.ToSlash(rel)]; mustFail {
			continue
		}
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			stdout, stderr, err := runBerth(t, "convert", "-f", f, "--stdout")
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			var docs [][]byte
			for _, d := range strings.Split(stdout, "\n---\n") {
				if strings.TrimSpace(strings.TrimPrefix(d, "---\n")) != "" {
					docs = append(docs, []byte(d))
				}
			}
			want := secretDataUnwrapped(objectSet(t, docs))
			tree := kustomizeTree(t, []string{"-f", f}, "prod")
			if diff := cmp.Diff(want, secretDataUnwrapped(objectSet(t, kustomizeBuild(t, tree, "base")))); diff != "" {
				t.Errorf("base differs from the plain output (-plain +base):\n%s", diff)
			}
			got, _ := unhash(t, kustomizeBuild(t, tree, "overlays/prod"))
			if diff := cmp.Diff(want, secretDataUnwrapped(objectSet(t, got))); diff != "" {
				t.Errorf("overlay differs from the plain output (-plain +overlay):\n%s", diff)
			}
			built++
		})
	}
	t.Logf("%d corpus Compose files built as Kustomize base and overlay", built)
}
