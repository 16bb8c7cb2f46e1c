package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/test/cluster"
)

// BenchmarkStart measures start-up until usable (s/start) and Stop (s/stop) per mode. The
// target is a start under 10 s on 2 cores:
//
//	go test ./test/cluster -run '^$' -bench Start -benchtime 5x
func BenchmarkStart(b *testing.B) {
	cluster.RequireBinaries(b)
	for _, mode := range []cluster.Mode{cluster.Full, cluster.APIServerOnly} {
		b.Run(mode.String(), func(b *testing.B) {
			var start, stop time.Duration
			for range b.N {
				t0 := time.Now()
				c, err := cluster.Start(context.Background(), cluster.Options{Mode: mode})
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := c.Stop(); err != nil {
					b.Fatal(err)
				}
				start += t1.Sub(t0)
				stop += time.Since(t1)
			}
			b.ReportMetric(start.Seconds()/float64(b.N), "s/start")
			b.ReportMetric(stop.Seconds()/float64(b.N), "s/stop")
		})
	}
}
