package validate

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// schemaFS holds the OpenAPI v3 documents captured from real apiservers by
// internal/capture (go generate): schemas/v<major>.<minor>/<api path>.json.gz.
//
//go:embed schemas
var schemaFS embed.FS

// DefaultKubeVersion is the Kubernetes version berth validates against by default.
const DefaultKubeVersion = "1.37"

// KubeVersions lists the Kubernetes versions ("1.33") with embedded schemas, oldest first.
func KubeVersions() []string {
	entries, err := fs.ReadDir(schemaFS, "schemas")
	if err != nil {
		return nil
	}
	var vs []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "v") {
			vs = append(vs, strings.TrimPrefix(e.Name(), "v"))
		}
	}
	sort.Slice(vs, func(i, j int) bool { return minorOf(vs[i]) < minorOf(vs[j]) })
	return vs
}

func minorOf(v string) int {
	_, m, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(m)
	return n
}

// Schemas returns the embedded OpenAPI v3 documents: schemas/v<major>.<minor>/<api
// path>.json.gz (the full validators in package full read them).
func Schemas() fs.FS { return schemaFS }

// NormalizeVersion turns "v1.33", "1.33" or "1.33.13" into "1.33".
func NormalizeVersion(v string) (string, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return "", fmt.Errorf("kubernetes version %q: want MAJOR.MINOR, for example %s", v, DefaultKubeVersion)
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return "", fmt.Errorf("kubernetes version %q: want MAJOR.MINOR, for example %s", v, DefaultKubeVersion)
		}
	}
	return parts[0] + "." + parts[1], nil
}

// APIPathGroupVersion maps "api/v1" to v1 and "apis/apps/v1" to apps/v1.
func APIPathGroupVersion(p string) schema.GroupVersion {
	parts := strings.Split(p, "/")
	if len(parts) == 2 {
		return schema.GroupVersion{Version: parts[1]}
	}
	if len(parts) == 3 {
		return schema.GroupVersion{Group: parts[1], Version: parts[2]}
	}
	return schema.GroupVersion{}
}

// ReadSchema returns the decompressed embedded document file (a path in Schemas()).
func ReadSchema(file string) ([]byte, error) {
	f, err := schemaFS.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", file, err)
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, zr); err != nil {
		return nil, fmt.Errorf("embedded schema %s: %w", file, err)
	}
	return b.Bytes(), nil
}
