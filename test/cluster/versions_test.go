package cluster_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
)

// One Kubernetes release everywhere: the harness (tools/kube and binaries.go), the staging
// modules it builds with, berth's own k8s.io/* libraries and the newest embedded schemas must
// name the same minor (and the libraries the same patch). scripts/update-kube.sh moves them
// together; docs/upgrading.md lists the steps. This test fails when one is left behind.
func TestKubernetesVersionsAgree(t *testing.T) {
	minor, patch := kubeMinorPatch(t, cluster.KubernetesVersion)
	staging := "v0." + minor + "." + patch

	if got := validate.DefaultKubeVersion; got != "1."+minor {
		t.Errorf("newest embedded schemas are %s, the harness runs %s (capture the schemas: scripts/update-kube.sh)", got, cluster.KubernetesVersion)
	}
	if vs := validate.KubeVersions(); len(vs) == 0 || vs[len(vs)-1] != validate.DefaultKubeVersion {
		t.Errorf("embedded versions %v: the default %s must be the newest", vs, validate.DefaultKubeVersion)
	}
	// berth's own go.mod: every k8s.io module released with Kubernetes (v0.<minor>.<patch>).
	for mod, v := range k8sRequires(t, filepath.Join("..", "..", "go.mod")) {
		if strings.HasPrefix(v, "v0.") && !strings.HasPrefix(v, "v0.0.") && v != staging {
			t.Errorf("go.mod requires %s %s, the harness runs %s (want %s)", mod, v, cluster.KubernetesVersion, staging)
		}
	}
	// the harness module: every staging replace at the same release
	replaces := 0
	for mod, v := range k8sReplaces(t, filepath.Join("tools", "kube", "go.mod")) {
		replaces++
		if v != staging {
			t.Errorf("tools/kube/go.mod replaces %s with %s, want %s", mod, v, staging)
		}
	}
	if replaces < 20 {
		t.Errorf("tools/kube/go.mod has %d staging replaces, want one per staging module (at least 20)", replaces)
	}
}

func kubeMinorPatch(t *testing.T, v string) (string, string) {
	t.Helper()
	m := regexp.MustCompile(`^v1\.(\d+)\.(\d+)$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("KubernetesVersion %q is not v1.MINOR.PATCH", v)
	}
	return m[1], m[2]
}

// k8sRequires returns the k8s.io/* modules a go.mod requires, with their versions.
func k8sRequires(t *testing.T, gomod string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range goModLines(t, gomod) {
		f := strings.Fields(strings.TrimPrefix(line, "require "))
		if len(f) >= 2 && strings.HasPrefix(f[0], "k8s.io/") && strings.HasPrefix(f[1], "v") {
			out[f[0]] = f[1]
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s requires no k8s.io module", gomod)
	}
	return out
}

// k8sReplaces returns "replace k8s.io/x => k8s.io/x vX" lines as module → version.
func k8sReplaces(t *testing.T, gomod string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range goModLines(t, gomod) {
		f := strings.Fields(strings.TrimPrefix(line, "replace "))
		if len(f) == 4 && f[1] == "=>" && strings.HasPrefix(f[0], "k8s.io/") {
			out[f[0]] = f[3]
		}
	}
	return out
}

func goModLines(t *testing.T, gomod string) []string {
	t.Helper()
	f, err := os.Open(gomod)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}
