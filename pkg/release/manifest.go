package release

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/apply"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// AnnotationResourcePolicy is Helm's resource policy annotation; "keep" makes helm uninstall
// (and upgrades that drop the object) leave the object in place.
const AnnotationResourcePolicy = "helm.sh/resource-policy"

// Render renders chrt with vals as release name in namespace, the way an install would (values
// coalesced over the chart's defaults and checked against its schema), and returns the objects.
// Deploy uses it to find the Namespace objects it must create before Helm stores the release.
func Render(chrt *chart.Chart, vals map[string]any, name, namespace string) ([]*unstructured.Unstructured, error) {
	rv, err := chartutil.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: name, Namespace: namespace, Revision: 1, IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		return nil, fmt.Errorf("chart %s: values: %w", chrt.Name(), err)
	}
	files, err := engine.Render(chrt, rv)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", chrt.Name(), err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".json") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []*unstructured.Unstructured
	for _, n := range names {
		if strings.TrimSpace(files[n]) == "" {
			continue
		}
		objs, err := apply.Parse(n, []byte(files[n]))
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// ensureNamespaces server-side applies the Namespace objects among objs (field manager berth),
// so the release has a namespace to be stored in. They stay out of the release (postRenderer):
// uninstalling it must not delete the namespace and the volume claims in it.
func (c *Client) ensureNamespaces(ctx context.Context, objs []*unstructured.Unstructured) error {
	res := c.kube.Dynamic.Resource(corev1.SchemeGroupVersion.WithResource("namespaces"))
	for _, u := range objs {
		if u.GetKind() != "Namespace" || u.GetAPIVersion() != "v1" {
			continue
		}
		if _, err := res.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: apply.FieldManager}); err != nil {
			return fmt.Errorf("applying Namespace %s: %w", u.GetName(), err)
		}
	}
	return nil
}

// postRenderer adjusts the rendered manifest before Helm installs it: Namespace objects are
// left out (berth applies them first, see ensureNamespaces), and PersistentVolumeClaims get
// helm.sh/resource-policy: keep so that uninstalling the release keeps the data, as berth
// down does. Every other document passes through unchanged.
type postRenderer struct{}

// Run implements postrender.PostRenderer.
func (postRenderer) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	docs := releaseutil.SplitManifests(in.String())
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out bytes.Buffer
	for _, k := range keys {
		doc, err := adjust(docs[k])
		if err != nil {
			return nil, err
		}
		if doc == "" {
			continue
		}
		out.WriteString("---\n")
		out.WriteString(strings.TrimSuffix(doc, "\n"))
		out.WriteString("\n")
	}
	return &out, nil
}

// adjust returns doc as it goes into the release ("" to leave it out).
func adjust(doc string) (string, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
		return "", fmt.Errorf("post-render: %w", err)
	}
	switch {
	case head.APIVersion == "v1" && head.Kind == "Namespace":
		return "", nil
	case head.APIVersion == "v1" && head.Kind == "PersistentVolumeClaim":
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			return "", fmt.Errorf("post-render: %w", err)
		}
		ann := u.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[AnnotationResourcePolicy] = "keep"
		u.SetAnnotations(ann)
		data, err := yaml.Marshal(u.Object)
		return string(data), err
	}
	return doc, nil
}
