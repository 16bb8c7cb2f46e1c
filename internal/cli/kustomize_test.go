package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

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

// TestKustomizeBuildsPlainOutput converts every golden case with --format kustomize and two
// overlays, builds base/ and each overlay with the kustomize API (krusty, as `kustomize build`
// does) and compares the objects with the plain output of the same case: the base and the
// untouched overlays must build to exactly those objects. Each case is rendered twice and must
// give the same bytes.
func TestKustomizeBuildsPlainOutput(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			args := caseArgs(abs)
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
			want := objectSet(t, plain)
			var trees [2]map[string]string
			for i := range trees {
				out := filepath.Join(t.TempDir(), "k")
				full := append(append([]string{"convert"}, args...), "--format", "kustomize", "--overlay", "staging", "--overlay", "prod", "-o", out)
				if _, stderr, err := runBerth(t, full...); err != nil {
					t.Fatalf("kustomize: %v\n%s", err, stderr)
				}
				trees[i] = readTree(t, out)
			}
			if diff := cmp.Diff(trees[0], trees[1]); diff != "" {
				t.Fatalf("two renders differ (-first +second):\n%s", diff)
			}
			for _, kdir := range []string{"base", "overlays/staging", "overlays/prod"} {
				got := objectSet(t, kustomizeBuild(t, trees[0], kdir))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("kustomize build %s differs from the plain output (-plain +kustomize):\n%s", kdir, diff)
				}
			}
		})
	}
}

// TestKustomizeOverlayChangesTag proves the overlay's images and replicas entries take effect:
// editing them changes the built objects.
func TestKustomizeOverlayChangesTag(t *testing.T) {
	abs, err := filepath.Abs(filepath.Join("testdata", "golden", "example-shop"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "k")
	if _, stderr, err := runBerth(t, append(append([]string{"convert"}, caseArgs(abs)...), "--format", "kustomize", "--overlay", "prod", "-o", out)...); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	tree := readTree(t, out)
	k := tree["overlays/prod/kustomization.yaml"]
	if !strings.Contains(k, "newTag: 1.27-alpine") || !strings.Contains(k, "count: 2") {
		t.Fatalf("overlay lacks the nginx tag or web's replicas:\n%s", k)
	}
	k = strings.Replace(k, "newTag: 1.27-alpine", "newTag: 1.28-alpine", 1)
	tree["overlays/prod/kustomization.yaml"] = strings.Replace(k, "count: 2", "count: 5", 1)
	built := objectSet(t, kustomizeBuild(t, tree, "overlays/prod"))
	web := built["Deployment/shop/web"]
	if web == nil {
		t.Fatalf("no Deployment shop/web in %v", built)
	}
	spec := web["spec"].(map[string]any)
	if got := spec["replicas"]; got != float64(5) {
		t.Errorf("replicas = %v, want 5", got)
	}
	containers := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)
	if got := containers[0].(map[string]any)["image"]; got != "nginx:1.28-alpine" {
		t.Errorf("image = %v, want nginx:1.28-alpine", got)
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
