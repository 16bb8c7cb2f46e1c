package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
)

// TestVersion: `berth version` names the Kubernetes versions berth has schemas for, the default,
// and the Compose loader's version, as text and as JSON.
func TestVersion(t *testing.T) {
	out, stderr, err := runBerth(t, "version")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	// (a test binary carries no module versions: cmd/berth's TestVersionLibraries checks those)
	for _, want := range []string{"berth ", "kubernetes: " + strings.Join(validate.KubeVersions(), ", ") + " (default " + validate.DefaultKubeVersion + ")"} {
		if !strings.Contains(out, want) {
			t.Errorf("berth version: no %q in\n%s", want, out)
		}
	}
	out, stderr, err = runBerth(t, "version", "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("berth version -o json: %v\n%s", err, out)
	}
	if v.KubeDefault != validate.DefaultKubeVersion || len(v.KubeVersions) == 0 {
		t.Errorf("berth version -o json: %+v", v)
	}
	if _, _, err := runBerth(t, "version", "-o", "yaml"); err == nil {
		t.Error("berth version -o yaml: no error")
	}
}

// TestVersionText renders each library present, in the table's order.
func TestVersionText(t *testing.T) {
	got := versionText(versionInfo{Version: "v1.2.3", Commit: "abc", Modified: true, Go: "go1.26", Platform: "linux/arm64",
		KubeVersions: []string{"1.33", "1.37"}, KubeDefault: "1.37", Libraries: map[string]string{"k8s.io/api": "v0.37.2", "github.com/compose-spec/compose-go/v2": "v2.9.0"}})
	want := "berth v1.2.3\ncommit: abc (modified)\ngo: go1.26 linux/arm64\nkubernetes: 1.33, 1.37 (default 1.37)\n" +
		"github.com/compose-spec/compose-go/v2 v2.9.0\nk8s.io/api v0.37.2\n"
	if got != want {
		t.Errorf("versionText:\n%s\nwant:\n%s", got, want)
	}
}

// TestVersionTextCluster names the berth-cluster executable the cluster commands run, and
// says so when it is another build.
func TestVersionTextCluster(t *testing.T) {
	base := versionInfo{Version: "v1.2.3", Go: "go1.26", Platform: "linux/amd64", KubeVersions: []string{"1.37"}, KubeDefault: "1.37", Libraries: map[string]string{}}
	same, other := base, base
	same.Cluster = &clusterBuild{Path: "/usr/local/bin/berth-cluster", Version: "v1.2.3", Same: true}
	other.Cluster = &clusterBuild{Path: "/usr/local/bin/berth-cluster", Version: "v1.1.0", Commit: "abc", Modified: true}
	for _, tc := range []struct {
		v    versionInfo
		want string
	}{
		{same, "cluster commands: /usr/local/bin/berth-cluster (the same build)\n"},
		{other, "cluster commands: /usr/local/bin/berth-cluster is another build (v1.1.0 abc (modified)): install berth and berth-cluster from one version\n"},
	} {
		if got := versionText(tc.v); !strings.HasSuffix(got, tc.want) {
			t.Errorf("versionText ends:\n%s\nwant:\n%s", got, tc.want)
		}
	}
}
