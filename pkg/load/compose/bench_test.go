package compose

import (
	"context"
	"fmt"
	"github.com/berth-dev/berth/internal/hostile"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
)

// genCompose writes a project of n services where service i depends on service (i-1)/4 (a
// tree of depth log4 n), each with ports, environment, a healthcheck, resources and, for
// every tenth service, a named volume.
func genCompose(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("name: bench\nservices:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  svc%d:\n    image: registry.example.com/app/svc%d:1.%d\n", i, i, i%7)
		fmt.Fprintf(&b, "    ports:\n      - \"%d:8080\"\n    expose: [\"9090\"]\n", 10000+i%50000)
		fmt.Fprintf(&b, "    environment:\n      SERVICE: svc%d\n      LOG_LEVEL: info\n      DB_PASSWORD: secret%d\n", i, i)
		b.WriteString("    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://localhost:8080/health\"]\n      interval: 10s\n      retries: 3\n")
		b.WriteString("    deploy:\n      resources:\n        limits: {cpus: \"0.5\", memory: 256M}\n")
		if i > 0 {
			fmt.Fprintf(&b, "    depends_on:\n      svc%d:\n        condition: service_started\n", (i-1)/4)
		}
		if i%10 == 0 {
			fmt.Fprintf(&b, "    volumes:\n      - data%d:/data\n", i)
		}
	}
	b.WriteString("volumes:\n")
	for i := 0; i < n; i += 10 {
		fmt.Fprintf(&b, "  data%d: {}\n", i)
	}
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// BenchmarkLoad compares berth's Load with compose-go's own load of the same files (the same
// options, without mapping, positions and input enumeration). Target: berth within 1.3x.
//
//	go test ./pkg/load/compose -run '^$' -bench Load -benchmem
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		dir := genCompose(b, n)
		o := Options{WorkingDir: dir, Environ: []string{"PWD=" + dir}}
		b.Run(fmt.Sprintf("services=%d/compose-go", n), func(b *testing.B) {
			b.ReportAllocs()
			start := hostile.CPUTime()
			for b.Loop() {
				po, err := projectOptions(o)
				if err == nil {
					// the same node cap berth sets (compose-go's default stops at ~3000 services)
					err = cli.WithLoadOptions(nodeLimit(po.ConfigPaths))(po)
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := po.LoadProject(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
		b.Run(fmt.Sprintf("services=%d/berth", n), func(b *testing.B) {
			b.ReportAllocs()
			start := hostile.CPUTime()
			for b.Loop() {
				app, err := Load(context.Background(), o)
				if err != nil {
					b.Fatal(err)
				}
				if len(app.Services) != n {
					b.Fatalf("loaded %d services, want %d", len(app.Services), n)
				}
			}
			reportCPU(b, start)
		})
	}
}

// reportCPU adds the process CPU time per operation (user+system, GC included) as cpu-ms/op.
func reportCPU(b *testing.B, start time.Duration) {
	if used := hostile.CPUTime() - start; used > 0 {
		b.ReportMetric(float64(used.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}
