package cli

import (
	"fmt"
	"strings"
	"sync"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// checkOutput validates the converted objects, as berth writes them, against the embedded
// OpenAPI schemas of kubeVersion. berth must never write an object Kubernetes rejects: a
// rejection here is a bug in berth, reported as such, and nothing is written. Kinds without
// an embedded schema (custom resources) are left to the cluster.
func checkOutput(objs []convert.Object, kubeVersion string) error {
	c, err := newOutputCheck(objs, kubeVersion)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		// render.Unstructured is exactly what the YAML and JSON encoders write, without the
		// cost of encoding and parsing the whole stream again.
		m, err := render.Unstructured(obj)
		if err != nil {
			return fmt.Errorf("checking output: %w", err)
		}
		if err := c.object(obj, m); err != nil {
			return err
		}
	}
	return c.err(objs)
}

// renderChecked renders objs with format (a directory when dir, else a stream) and checks
// them (checkOutput). A format that can hands the check the maps it encodes (plain YAML), so
// each object is converted to its map once; others are checked beside rendering (both only
// read the objects). A check failure wins over a render error, as it names the bug.
func renderChecked(format render.Format, objs []convert.Object, dir bool, kubeVersion string) (render.Files, []byte, error) {
	c, err := newOutputCheck(objs, kubeVersion)
	if err != nil {
		return nil, nil, err
	}
	if checked, ok := render.WithCheck(format, c.object); ok {
		files, stream, err := renderWith(checked, objs, dir)
		if cerr := c.err(objs); cerr != nil {
			return nil, nil, cerr
		}
		return files, stream, err
	}
	done := make(chan error, 1)
	go func() { done <- checkOutput(objs, kubeVersion) }()
	files, stream, err := renderWith(format, objs, dir)
	if cerr := <-done; cerr != nil {
		return nil, nil, cerr
	}
	return files, stream, err
}

// renderWith renders a directory (dir) or a stream.
func renderWith(format render.Format, objs []convert.Object, dir bool) (render.Files, []byte, error) {
	var files render.Files
	var stream []byte
	var err error
	if dir {
		files, err = format.Dir(objs)
	} else {
		stream, err = format.Stream(objs)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("render: %w", err)
	}
	return files, stream, nil
}

// outputCheck is checkOutput one object at a time, so the YAML encoder can hand it the maps
// it encodes (render.YAMLChecked) instead of both converting every object. Safe for
// concurrent use.
type outputCheck struct {
	v   *validate.Offline
	mu  sync.Mutex
	bad map[convert.Object]string // rejected object → the validator's message
}

func newOutputCheck(objs []convert.Object, kubeVersion string) (*outputCheck, error) {
	// Only the schemas of the group-versions in use are prepared.
	seen := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, obj := range objs {
		if gv := obj.GetObjectKind().GroupVersionKind().GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	v, err := validate.NewOfflineFor(kubeVersion, gvs)
	if err != nil {
		return nil, fmt.Errorf("--kube-version: %w", err)
	}
	return &outputCheck{v: v, bad: map[convert.Object]string{}}, nil
}

// object checks obj, whose unstructured form is m; it records a rejection and never fails.
func (c *outputCheck) object(obj convert.Object, m map[string]any) error {
	if !c.v.Has(obj.GetObjectKind().GroupVersionKind()) {
		return nil
	}
	if r := c.v.Object(&unstructured.Unstructured{Object: m}); !r.Accepted {
		c.mu.Lock()
		c.bad[obj] = strings.ReplaceAll(r.String(), "\n", "\n    ")
		c.mu.Unlock()
	}
	return nil
}

// err lists the rejected objects in the order of objs.
func (c *outputCheck) err(objs []convert.Object) error {
	if len(c.bad) == 0 {
		return nil
	}
	var bad []string
	for _, obj := range objs {
		if msg, ok := c.bad[obj]; ok {
			bad = append(bad, msg)
		}
	}
	return fmt.Errorf("bug in berth: it produced %s that Kubernetes %s would reject (nothing was written; please report this with the input):\n%s",
		plural(len(bad), "object"), c.v.KubeVersion(), strings.Join(bad, "\n"))
}
