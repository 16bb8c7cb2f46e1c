package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
)

func TestScan(t *testing.T) {
	d := "/work/shared/corpus/compose/"
	sets := [][]string{}
	filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && filepath.Ext(p) != ".json" && (filepath.Ext(p) == ".yml" || filepath.Ext(p) == ".yaml") {
			sets = append(sets, []string{p})
		}
		return nil
	})
	o := d + "opentelemetry-demo/opentelemetry-demo/"
	sets = append(sets, []string{o + "compose.yaml", o + "compose.full.yaml", o + "compose.observability.yaml", o + "compose.extras.yaml"})
	for _, fs := range sets {
		app, err := compose.Load(context.Background(), compose.Options{Files: fs, Environ: []string{"PWD=" + filepath.Dir(fs[0])}})
		if err != nil {
			continue
		}
		res, err := convert.Convert(app, convert.Options{})
		if err != nil {
			fmt.Printf("CONV %s: %v\n", fs, err)
			continue
		}
		fmt.Printf("OK   %s: %d objects, %d warnings\n", fs[len(fs)-1], len(res.Objects), res.Diagnostics.Count(1))
		if os.Getenv("V") != "" {
			for _, d := range res.Diagnostics {
				fmt.Println("   ", d.Severity, d.String())
			}
		}
	}
}
