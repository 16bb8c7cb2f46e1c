package validate

import (
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// schemaFS holds the OpenAPI v3 documents captured from real apiservers by
// internal/capture (go generate): schemas/v<major>.<minor>/<api path>.json.gz.
//
//go:embed schemas
var schemaFS embed.FS

// DefaultKubeVersion is the Kubernetes version Offline validates against by default.
const DefaultKubeVersion = "1.33"

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

// normalizeVersion turns "v1.33", "1.33" or "1.33.13" into "1.33".
func normalizeVersion(v string) (string, error) {
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

// loadComponents reads the embedded documents of one version (dir) and returns their
// component schemas merged by name, and the schema name of each top-level kind (from the
// x-kubernetes-group-version-kind extension, taken only from its own group-version's
// document: meta types list many kinds).
// When only is non-nil, documents of other group-versions are skipped (each document holds
// every component schema its kinds reference).
func loadComponents(dir string, only map[schema.GroupVersion]bool) (map[string]*spec.Schema, map[schema.GroupVersionKind]string, error) {
	entries, err := fs.ReadDir(schemaFS, dir)
	if err != nil {
		return nil, nil, err
	}
	defs := map[string]*spec.Schema{}
	kinds := map[schema.GroupVersionKind]string{}
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".json.gz")
		if base == e.Name() {
			continue
		}
		gv := apiPathGroupVersion(strings.ReplaceAll(base, "__", "/"))
		if only != nil && !only[gv] {
			continue
		}
		raw, err := gunzip(path.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		var doc spec3.OpenAPI
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, fmt.Errorf("embedded schema %s: %w", e.Name(), err)
		}
		if doc.Components == nil {
			continue
		}
		for name, s := range doc.Components.Schemas {
			defs[name] = s
			for _, gvk := range extensionGVKs(s) {
				if gvk.GroupVersion() == gv {
					kinds[gvk] = name
				}
			}
		}
	}
	return defs, kinds, nil
}

// apiPathGroupVersion maps "api/v1" to v1 and "apis/apps/v1" to apps/v1.
func apiPathGroupVersion(p string) schema.GroupVersion {
	parts := strings.Split(p, "/")
	if len(parts) == 2 {
		return schema.GroupVersion{Version: parts[1]}
	}
	if len(parts) == 3 {
		return schema.GroupVersion{Group: parts[1], Version: parts[2]}
	}
	return schema.GroupVersion{}
}

func extensionGVKs(s *spec.Schema) []schema.GroupVersionKind {
	list, _ := s.Extensions["x-kubernetes-group-version-kind"].([]any)
	var out []schema.GroupVersionKind
	for _, item := range list {
		m, _ := item.(map[string]any)
		g, _ := m["group"].(string)
		v, _ := m["version"].(string)
		k, _ := m["kind"].(string)
		if v != "" && k != "" {
			out = append(out, schema.GroupVersionKind{Group: g, Version: v, Kind: k})
		}
	}
	return out
}

func gunzip(file string) ([]byte, error) {
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
