// Command capture records the OpenAPI v3 schemas of a real kube-apiserver (started by the
// test harness, test/cluster) as gzipped JSON files for pkg/validate to embed:
//
//	go generate ./pkg/validate     # runs: go run ./internal/capture -out schemas
//
// It writes <out>/v<major>.<minor>/<path>.json.gz for each built-in group-version, where
// <path> is the discovery path with "/" replaced by "__" (api__v1, apis__apps__v1), the
// naming of Kubernetes' own api/openapi-spec/v3. Only the component schemas are kept, without
// descriptions (validation reads neither operations nor descriptions: they are most of the
// bytes), and the JSON is re-encoded with sorted keys
// and gzipped without timestamps, so the same apiserver gives byte-identical files.
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
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/client-go/discovery"

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
	dc, err := discovery.NewDiscoveryClientForConfig(c.Config)
	if err != nil {
		return err
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return err
	}
	dir := filepath.Join(out, fmt.Sprintf("v%s.%s", info.Major, strings.TrimSuffix(info.Minor, "+")))
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		return fmt.Errorf("listing OpenAPI v3 paths: %w", err)
	}
	files := map[string][]byte{}
	for p, gv := range paths {
		if !groupVersionPath(p) {
			continue
		}
		raw, err := gv.Schema("application/json")
		if err != nil {
			return fmt.Errorf("fetching %s: %w", p, err)
		}
		gz, err := normalize(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		files[strings.ReplaceAll(p, "/", "__")+".json.gz"] = gz
	}
	return writeDir(dir, files)
}

// groupVersionPath reports whether p is a group-version's document (api/v1, apis/g/v).
func groupVersionPath(p string) bool {
	parts := strings.Split(p, "/")
	return (len(parts) == 2 && parts[0] == "api") || (len(parts) == 3 && parts[0] == "apis")
}

// normalize drops descriptions and re-encodes with sorted keys, gzipped deterministically.
func normalize(raw []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	// validation reads only the component schemas; the operations are most of the rest
	for k := range doc {
		if k != "openapi" && k != "info" && k != "components" {
			delete(doc, k)
		}
	}
	stripDescriptions(doc)
	js, err := json.Marshal(doc) // maps are encoded with sorted keys
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(js); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// stripDescriptions removes every string-valued "description" (a schema's or an
// operation's); a property named "description" has an object value and stays.
func stripDescriptions(v any) {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["description"].(string); ok {
			delete(t, "description")
		}
		for _, x := range t {
			stripDescriptions(x)
		}
	case []any:
		for _, x := range t {
			stripDescriptions(x)
		}
	}
}

// writeDir replaces dir's contents with files.
func writeDir(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	total := 0
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), files[n], 0o644); err != nil {
			return err
		}
		total += len(files[n])
	}
	fmt.Fprintf(os.Stderr, "capture: wrote %d group-versions (%d bytes) to %s\n", len(names), total, dir)
	return nil
}
