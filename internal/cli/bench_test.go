package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/benchgen"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/report"
	"github.com/berth-dev/berth/pkg/write"
)

// BenchmarkStages measures each stage of `berth convert` on generated projects of 1 000 to
// 8 000 services (a dependency tree of depth log6 n): load (compose-go + mapping), convert,
// render (YAML, one file per object), report (Markdown) and write (atomic directory). Compare
// the per-service cost across sizes to spot superlinear steps:
//
//	go test ./internal/cli -run '^$' -bench Stages -benchmem -benchtime 1x
func BenchmarkStages(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) { benchStages(b, n) })
	}
}

// benchStages prepares one project (outside the timings) and runs each stage's benchmark.
func benchStages(b *testing.B, n int) {
	dir := b.TempDir()
	var files []string
	for i, data := range benchgen.Files(n) {
		f := filepath.Join(dir, benchgen.FileName(i))
		if err := os.WriteFile(f, data, 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, f)
	}
	opts := compose.Options{Files: files, Environ: []string{"PWD=" + dir}}
	app, err := compose.Load(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	res, err := convert.Convert(app, convert.Options{Domain: "example.com"})
	if err != nil {
		b.Fatal(err)
	}
	yaml, _ := render.ForName(render.YAML)
	rendered, err := yaml.Dir(res.Objects)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("command", func(b *testing.B) {
		// The whole `berth convert --stdout`: all stages plus the offline schema check.
		args := []string{"convert", "--stdout", "--domain", "example.com"}
		for _, f := range files {
			args = append(args, "-f", f)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, stderr, err := runBerth(b, args...); err != nil {
				b.Fatalf("%v\n%s", err, stderr)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compose.Load(context.Background(), opts); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("convert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := convert.Convert(app, convert.Options{Domain: "example.com"}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := yaml.Dir(res.Objects); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("report", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := report.Build(app, res, report.NewRedactor(app, res.Objects))
			if _, err := report.Render(r, report.Markdown); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write", func(b *testing.B) {
		b.ReportAllocs()
		out := filepath.Join(b.TempDir(), "out")
		for b.Loop() {
			if err := write.Dir(out, rendered, write.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
