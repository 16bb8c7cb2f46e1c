// Package schemagen captures the OpenAPI v3 schemas a kube-apiserver serves, in the form
// pkg/validate embeds: one gzipped JSON document per built-in group-version, named after its
// discovery path with "/" replaced by "__" (api__v1, apis__apps__v1) like Kubernetes' own
// api/openapi-spec/v3. Only the component schemas are kept, without descriptions (validation
// reads neither operations nor descriptions: they are most of the bytes); the JSON is
// re-encoded with sorted keys and gzipped without timestamps, so the same apiserver gives
// byte-identical files.
package schemagen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// Capture fetches the schemas of every built-in group-version from the apiserver at cfg. It
// returns the version directory name ("v1.33") and the files by name.
func Capture(cfg *rest.Config) (string, map[string][]byte, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return "", nil, err
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return "", nil, err
	}
	dir := fmt.Sprintf("v%s.%s", info.Major, strings.TrimSuffix(info.Minor, "+"))
	paths, err := dc.OpenAPIV3().Paths()
	if err != nil {
		return "", nil, fmt.Errorf("listing OpenAPI v3 paths: %w", err)
	}
	files := map[string][]byte{}
	for p, gv := range paths {
		if !groupVersionPath(p) {
			continue
		}
		raw, err := gv.Schema("application/json")
		if err != nil {
			return "", nil, fmt.Errorf("fetching %s: %w", p, err)
		}
		gz, err := normalize(raw)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", p, err)
		}
		files[strings.ReplaceAll(p, "/", "__")+".json.gz"] = gz
	}
	return dir, files, nil
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

// WriteDir replaces dir's contents with files.
func WriteDir(dir string, files map[string][]byte) error {
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
	fmt.Fprintf(os.Stderr, "schemagen: wrote %d group-versions (%d bytes) to %s\n", len(names), total, dir)
	return nil
}
