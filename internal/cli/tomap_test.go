package cli

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestToMapMatchesConverter checks that render.ToMap, which every output format and the
// self-check read, builds exactly the map apimachinery's DefaultUnstructuredConverter builds,
// for every object of every golden case (with the case's flags) and every corpus Compose file
// that converts.
func TestToMapMatchesConverter(t *testing.T) {
	cases := goldenCases(t)
	compared := 0
	for _, dir := range cases {
		abs, err := filepath.Abs(dir)
		if err != nil {
			t.Fatal(err)
		}
		compared += compareToMap(t, filepath.Base(dir), caseArgs(abs))
	}
	t.Run("corpus", func(t *testing.T) {
		for _, f := range corpus.ComposeFiles(t, corpus.Dir(t, "compose")) {
			compared += compareToMap(t, f, []string{"-f", f})
		}
	})
	if compared < 100 {
		t.Fatalf("only %d objects compared", compared)
	}
	t.Logf("%d objects compared", compared)
}

// compareToMap converts with args (input that does not convert is skipped: the golden and
// corpus tests cover errors) and compares both conversions of each object.
func compareToMap(t *testing.T, name string, args []string) int {
	t.Helper()
	f := ConvertFlags{Environ: []string{}}
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	f.Bind(fs)
	if err := fs.Parse(args); err != nil || f.Validate() != nil {
		return 0
	}
	res, _, err := f.Run(context.Background())
	if err != nil {
		return 0
	}
	for _, o := range res.Objects {
		got, err := render.ToMap(o)
		if err != nil {
			t.Errorf("%s: %s %s: %v", name, o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
			continue
		}
		want, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %s %s: ToMap differs from the converter:\n got %#v\nwant %#v", name, o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), got, want)
		}
	}
	return len(res.Objects)
}
