package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitImage(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		want imageEntry
		ok   bool
	}{
		{"nginx:1.27", imageEntry{Name: "nginx", NewTag: "1.27"}, true},
		{"registry:5000/team/app:v2", imageEntry{Name: "registry:5000/team/app", NewTag: "v2"}, true},
		{"registry:5000/team/app", imageEntry{}, false},
		{"nginx", imageEntry{}, false},
		{"nginx:", imageEntry{}, false},
		{"app:1@sha256:abc", imageEntry{Name: "app", Digest: "sha256:abc"}, true},
		{"registry:5000/app@sha256:abc", imageEntry{Name: "registry:5000/app", Digest: "sha256:abc"}, true},
	} {
		got, ok := splitImage(tc.ref)
		if ok != tc.ok || got != tc.want {
			t.Errorf("splitImage(%q) = %+v, %v; want %+v, %v", tc.ref, got, ok, tc.want, tc.ok)
		}
	}
}

func TestKustomizeDir(t *testing.T) {
	files, err := KustomizeFormat{Overlays: []string{"prod"}}.Dir(testObjects())
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]File{}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
		byPath[f.Path] = f
	}
	want := []string{
		"base/config/kustomization.yaml", "base/config/secrets/.gitignore", "base/config/secrets/db.env",
		"base/kustomization.yaml",
		"base/objects/00-namespace-shop.yaml", "base/objects/15-service-web.yaml",
		"base/objects/16-deployment-web.yaml", "base/objects/kustomization.yaml",
		"overlays/prod/kustomization.yaml", "overlays/prod/namespace.yaml",
		"overlays/prod/secrets/.gitignore", "overlays/prod/secrets/db.env",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Fatalf("paths (-want +got):\n%s", diff)
	}
	for _, p := range []string{"base/config/secrets/db.env", "overlays/prod/secrets/db.env"} {
		if !byPath[p].Sensitive {
			t.Errorf("%s is not marked sensitive", p)
		}
	}
	for path, f := range byPath {
		if strings.Contains(string(f.Data), "hunter2") && !strings.HasSuffix(path, "secrets/db.env") {
			t.Errorf("%s holds the secret value: only git-ignored secrets/ data files may", path)
		}
	}
	for _, p := range []string{"base/config/secrets/.gitignore", "overlays/prod/secrets/.gitignore"} {
		if got := string(byPath[p].Data); !strings.Contains(got, "\n*\n!.gitignore\n") {
			t.Errorf("%s = %q, want it to ignore everything but itself", p, got)
		}
	}
	if got, want := string(byPath["overlays/prod/secrets/db.env"].Data), "password=hunter2\n"; got != want {
		t.Errorf("secret env file = %q, want %q", got, want)
	}
	overlay := string(byPath["overlays/prod/kustomization.yaml"].Data)
	for _, want := range []string{
		"resources:\n- ../../base/objects\n",
		"images:\n- name: nginx\n  newTag: \"1.27\"\n",
		"secretGenerator:\n- name: db\n  namespace: shop\n  type: Opaque\n  envs:\n  - secrets/db.env\n",
		"transformers:\n- namespace.yaml\n",
	} {
		if !strings.Contains(overlay, want) {
			t.Errorf("overlay lacks %q:\n%s", want, overlay)
		}
	}
}

func TestEnvForm(t *testing.T) {
	for _, tc := range []struct {
		data map[string][]byte
		want bool
	}{
		{map[string][]byte{"A": []byte("x=y"), "B_2": []byte(" spaced ")}, true},
		{map[string][]byte{"A": []byte("two\nlines")}, false},
		{map[string][]byte{"app.conf": []byte("x")}, true}, // dots are valid in env names
		{map[string][]byte{"1A": []byte("x")}, false},
		{map[string][]byte{"A": {0xff}}, false},
		{map[string][]byte{}, false},
	} {
		if got := envForm(tc.data); got != tc.want {
			t.Errorf("envForm(%q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}

func TestKustomizeStream(t *testing.T) {
	if _, err := (KustomizeFormat{}).Stream(testObjects()); err == nil || !strings.Contains(err.Error(), "-o DIR") {
		t.Errorf("err = %v, want one asking for -o DIR", err)
	}
	if _, err := (KustomizeFormat{Overlays: []string{"../x"}}).Dir(testObjects()); err == nil {
		t.Error("an overlay name with a path separator was accepted")
	}
}
