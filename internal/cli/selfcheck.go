package cli

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// FullCheck gives the full offline validators' verdict (package validate/full) on each of
// objs against the schemas of kubeVersion; the error says the check could not run.
type FullCheck func(kubeVersion string, objs []*unstructured.Unstructured) ([]validate.Result, error)

// errNoFullCheck says the full offline validators are not at hand (no berth-cluster): the
// objects the fast check could not vouch for were not checked.
var errNoFullCheck = errors.New("the full offline check is in berth-cluster")

// checkOutput validates the converted objects, as berth writes them, against the embedded
// OpenAPI schemas of kubeVersion. berth must never write an object Kubernetes rejects: a
// rejection here is a bug in berth, reported as such, and nothing is written. Kinds without
// an embedded schema (custom resources) are left to the cluster. Objects the fast check
// cannot vouch for go to full; when full cannot run the error wraps errNoFullCheck.
func checkOutput(objs []convert.Object, kubeVersion string, full FullCheck) error {
	c, err := newOutputCheck(objs, kubeVersion, full)
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
func renderChecked(format render.Format, objs []convert.Object, dir bool, kubeVersion string, full FullCheck) (render.Files, []byte, error) {
	c, err := newOutputCheck(objs, kubeVersion, full)
	if err != nil {
		return nil, nil, err
	}
	if checked, ok := render.WithCheck(format, c.object); ok {
		files, stream, err := renderWith(checked, objs, dir)
		if cerr := c.err(objs); cerr != nil {
			return files, stream, firstCheckError(cerr, err)
		}
		return files, stream, err
	}
	done := make(chan error, 1)
	go func() { done <- checkOutput(objs, kubeVersion, full) }()
	files, stream, err := renderWith(format, objs, dir)
	if cerr := <-done; cerr != nil {
		return files, stream, firstCheckError(cerr, err)
	}
	return files, stream, err
}

// firstCheckError is the check's error, unless it only says the full check could not run and
// rendering failed (then the render error), so callers can go on after errNoFullCheck.
func firstCheckError(check, render error) error {
	if errors.Is(check, errNoFullCheck) && render != nil {
		return render
	}
	return check
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
	v       *validate.Fast
	full    FullCheck
	mu      sync.Mutex
	bad     map[convert.Object]string // rejected object → the validator's message
	unsure  map[convert.Object]map[string]any
	checked bool // the unsure objects went to the full check
}

func newOutputCheck(objs []convert.Object, kubeVersion string, full FullCheck) (*outputCheck, error) {
	// Only the schemas of the group-versions in use are prepared.
	seen := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, obj := range objs {
		if gv := obj.GetObjectKind().GroupVersionKind().GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	v, err := validate.NewFast(kubeVersion, gvs)
	if err != nil {
		return nil, fmt.Errorf("--kube-version: %w", err)
	}
	return &outputCheck{v: v, full: full, bad: map[convert.Object]string{}, unsure: map[convert.Object]map[string]any{}}, nil
}

// object checks obj, whose unstructured form is m, with the fast check, and keeps what it
// cannot vouch for for the full check (err); it never fails.
func (c *outputCheck) object(obj convert.Object, m map[string]any) error {
	if !c.v.Has(obj.GetObjectKind().GroupVersionKind()) || c.v.SurelyValid(m) {
		return nil
	}
	// the server-only rules need no schema: a violation is a rejection, with or without full
	if bad := validate.ServerRules(m); len(bad) > 0 {
		gvk := obj.GetObjectKind().GroupVersionKind()
		r := validate.Result{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: obj.GetNamespace(), Name: obj.GetName(),
			Message: strings.Join(bad, "\n")}
		c.mu.Lock()
		c.bad[obj] = strings.ReplaceAll(r.String(), "\n", "\n    ")
		c.mu.Unlock()
		return nil
	}
	c.mu.Lock()
	c.unsure[obj] = m
	c.mu.Unlock()
	return nil
}

// fullCheck sends the objects the fast check could not vouch for to the full validators and
// records their rejections.
func (c *outputCheck) fullCheck(objs []convert.Object) error {
	var list []convert.Object
	var us []*unstructured.Unstructured
	for _, obj := range objs {
		if m, ok := c.unsure[obj]; ok {
			list = append(list, obj)
			us = append(us, &unstructured.Unstructured{Object: m})
		}
	}
	if c.full == nil {
		return errNoFullCheck
	}
	results, err := c.full(c.v.KubeVersion(), us)
	if err != nil {
		return err
	}
	for i, r := range results {
		if !r.Accepted {
			c.bad[list[i]] = strings.ReplaceAll(r.String(), "\n", "\n    ")
		}
	}
	return nil
}

// err lists the rejected objects in the order of objs. When the full check could not run, it
// says which objects were not checked, wrapping errNoFullCheck.
func (c *outputCheck) err(objs []convert.Object) error {
	if len(c.unsure) > 0 && !c.checked {
		c.checked = true
		if err := c.fullCheck(objs); err != nil {
			var names []string
			for _, obj := range objs {
				if _, ok := c.unsure[obj]; ok {
					names = append(names, obj.GetObjectKind().GroupVersionKind().Kind+" "+obj.GetName())
				}
			}
			return fmt.Errorf("%w: %s not checked against the Kubernetes %s schemas (%s): %v",
				errNoFullCheck, plural(len(names), "object"), c.v.KubeVersion(), strings.Join(names, ", "), err)
		}
	}
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
