// Command capture records the OpenAPI v3 schemas of a real kube-apiserver, started by the
// test harness (test/cluster), for pkg/validate to embed (see package schemagen for the form):
//
//	go generate ./pkg/validate     # runs: go run ./internal/capture -out schemas
//
// It writes <out>/v<major>.<minor>/. TestEmbeddedSchemasAreCurrent fails when the embedded
// files differ from what the harness's apiserver serves.
//
// Another Kubernetes version is added by building its kube-apiserver (as build.sh does, in a
// scratch module requiring k8s.io/kubernetes at that version) and running
//
//	go run ./internal/capture -out schemas -bin DIR   # DIR holds etcd and that kube-apiserver
//
// The served schemas, not the api/openapi-spec/v3 files in the kubernetes module, are the
// source: the served ones carry the enums the apiserver enforces, the committed files do not.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/pkg/validate/internal/schemagen"
	"github.com/berth-dev/berth/test/cluster"
)

func main() {
	out := flag.String("out", "schemas", "output directory (a v<major>.<minor> directory is created in it)")
	bin := flag.String("bin", "", "directory holding etcd and kube-apiserver of the version to capture "+
		"(default: the harness's pinned binaries, see test/cluster/build.sh)")
	flag.Parse()
	if err := run(context.Background(), *out, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "capture:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, bin string) (err error) {
	opts := cluster.Options{Mode: cluster.APIServerOnly}
	if bin != "" {
		// another Kubernetes version: only etcd and kube-apiserver are needed
		opts.Bin = &cluster.Bin{Dir: bin, Etcd: filepath.Join(bin, "etcd"), KubeAPIServer: filepath.Join(bin, "kube-apiserver")}
	}
	c, err := cluster.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if serr := c.Stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	dir, files, err := schemagen.Capture(c.Config)
	if err != nil {
		return err
	}
	return schemagen.WriteDir(filepath.Join(out, dir), files)
}
