package secretrule

import (
	"os"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
)

// TestSecretNameTable runs the classifier over the labelled names of testdata/secret-names.tsv:
// every name labelled secret must be classified secret (recall 100 %), and precision must stay
// at or above minPrecision. Both are logged, with the misses.
func TestSecretNameTable(t *testing.T) {
	const minPrecision = 0.97
	data, err := os.ReadFile("testdata/secret-names.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var tp, fp, fn, tn int
	svc := &model.Service{}
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 || (f[2] != "secret" && f[2] != "plain") {
			t.Fatalf("secret-names.tsv:%d: want name, value, secret|plain, source: %q", i+1, line)
		}
		want := f[2] == "secret"
		got, why := EnvRule(svc, model.EnvVar{Name: f[0], Value: f[1]})
		switch {
		case got && want:
			tp++
		case got:
			fp++
			t.Logf("false positive: %s (%s): %s", f[0], f[3], why)
		case want:
			fn++
			t.Errorf("false negative: %s (%s) is labelled secret but classified plain (%s)", f[0], f[3], why)
		default:
			tn++
		}
	}
	precision := float64(tp) / float64(max(1, tp+fp))
	recall := float64(tp) / float64(max(1, tp+fn))
	t.Logf("%d names: %d secret, %d plain; precision %.3f (%d false positives), recall %.3f (%d false negatives)",
		tp+fp+fn+tn, tp+fn, fp+tn, precision, fp, recall, fn)
	if tp+fn < 100 || fp+tn < 100 {
		t.Errorf("the table is too small to mean much: %d secret and %d plain names", tp+fn, fp+tn)
	}
	if precision < minPrecision {
		t.Errorf("precision %.3f < %.2f", precision, minPrecision)
	}
}
