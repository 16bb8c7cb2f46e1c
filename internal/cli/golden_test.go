package cli

import (
	"bytes"
	"context"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/validate"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/google/go-cmp/cmp"
)

// update is the one -update flag of every package (internal/golden).
var update = golden.Update

// runBerth runs the berth command tree with args and a hermetic environment.
func runBerth(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runBerthEnv(t, []string{}, args...)
}

// runBerthEnv is runBerth in the environment environ (KEY=value pairs).
func runBerthEnv(t testing.TB, environ []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewRoot(IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Environ: environ}, Cluster{})
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// readTree returns every file under dir by slash path.
func readTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	tree, err := golden.ReadTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string]string, len(tree))
	for p, b := range tree {
		files[p] = string(b)
	}
	return files
}

// goldenCase converts one case and returns everything it produced: the output directory's
// files under out/, the report as report.md and stderr as stderr.
func goldenCase(t *testing.T, caseDir string, extraArgs ...string) map[string]string {
	t.Helper()
	args := append([]string{"convert"}, extraArgs...)
	if extra, err := os.ReadFile(filepath.Join(caseDir, "args")); err == nil {
		for _, a := range strings.Fields(string(extra)) {
			args = append(args, strings.ReplaceAll(a, "$CASE", caseDir))
		}
	}
	if !slices.Contains(args, "-f") {
		args = append(args, "-f", filepath.Join(caseDir, "compose.yaml"))
	}
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	args = append(args, "-o", out, "--report", filepath.Join(tmp, "report.md"))
	_, stderr, err := runBerth(t, args...)
	if err != nil {
		t.Fatalf("berth %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr)
	}
	got := map[string]string{"stderr": strings.ReplaceAll(stderr, out, "OUT")}
	for p, data := range readTree(t, out) {
		got["out/"+p] = data
	}
	report, err := os.ReadFile(filepath.Join(tmp, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	got["report.md"] = string(report)
	return got
}

// TestGoldenEveryKubeVersion converts every case for each Kubernetes version berth has schemas
// for (--kube-version checks the output against that version's schemas before writing): the
// output is valid for every supported minor, and only the Job waits' kubectl image (of that
// minor, within kubectl's one-minor skew) depends on it.
func TestGoldenEveryKubeVersion(t *testing.T) {
	for _, dir := range goldenCases(t) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		args, _ := os.ReadFile(filepath.Join(abs, "args"))
		if strings.Contains(string(args), "--kube-version") {
			continue
		}
		base := goldenCase(t, abs)
		for _, v := range validate.KubeVersions() {
			t.Run(filepath.Base(dir)+"/"+v, func(t *testing.T) {
				got := goldenCase(t, abs, "--kube-version", v)
				for k, data := range got { // the Job waits' kubectl follows the version, nothing else
					got[k] = strings.ReplaceAll(data, convert.KubectlImage(v), convert.KubectlImage(""))
				}
				if diff := cmp.Diff(base, got); diff != "" {
					t.Errorf("--kube-version %s changes the output (-default +%s):\n%s", v, v, diff)
				}
			})
		}
	}
}

// TestKubectlForEveryKubeVersion: every Kubernetes minor berth has schemas for has a kubectl
// release of that minor for the Job waits.
func TestKubectlForEveryKubeVersion(t *testing.T) {
	for _, v := range validate.KubeVersions() {
		if img := convert.KubectlImage(v); !strings.HasPrefix(img, "registry.k8s.io/kubectl:v"+v+".") {
			t.Errorf("--kube-version %s: Job waits run %s, want kubectl %s.x", v, img, v)
		}
	}
	if convert.DefaultJobWaitImage != convert.KubectlImage(validate.DefaultKubeVersion) {
		t.Errorf("DefaultJobWaitImage %s is not the kubectl of the default version %s", convert.DefaultJobWaitImage, validate.DefaultKubeVersion)
	}
}

// TestGolden converts every case under testdata/golden through the real command and compares
// the output directory, report and stderr with the case's want/ directory. Each case is
// converted twice and must give the same bytes. After a deliberate change, run
// `go test ./internal/cli -run TestGolden -update` and review the diff of want/ like code.
func TestGolden(t *testing.T) {
	for _, dir := range goldenCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			abs, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenCase(t, abs)
			if again := goldenCase(t, abs); !cmp.Equal(got, again) {
				t.Fatalf("two conversions differ (-first +second):\n%s", cmp.Diff(got, again))
			}
			wantDir := filepath.Join(abs, "want")
			if *update {
				if err := os.RemoveAll(wantDir); err != nil {
					t.Fatal(err)
				}
				golden.WriteTree(t, wantDir, got)
				return
			}
			want := readTree(t, wantDir)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("output differs from %s (-want +got); if intended, rerun with -update and review:\n%s", wantDir, diff)
			}
		})
	}
}
