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
		"base/00-namespace-shop.yaml", "base/11-secret-db.yaml", "base/15-service-web.yaml",
		"base/16-deployment-web.yaml", "base/kustomization.yaml", "overlays/prod/kustomization.yaml",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Fatalf("paths (-want +got):\n%s", diff)
	}
	if !byPath["base/11-secret-db.yaml"].Sensitive {
		t.Error("the Secret's file is not marked sensitive")
	}
	overlay := string(byPath["overlays/prod/kustomization.yaml"].Data)
	wantOverlay := `apiVersion: kustomize.config.k8s.io/v1beta1
images:
- name: nginx
  newTag: "1.27"
kind: Kustomization
resources:
- ../../base
`
	if diff := cmp.Diff(wantOverlay, overlay); diff != "" {
		t.Errorf("overlay (-want +got):\n%s", diff)
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
