package validate

import (
	"fmt"
	"strconv"
)

// ServerRules are rules of the apiserver's hand-written pod validation (ValidatePodSpec in
// k8s.io/kubernetes pkg/apis/core/validation) that the OpenAPI schemas do not express and that
// a converter can break, checked offline:
//
//   - every container and init container has an image ("Required value");
//   - container names are unique in the pod, across containers, init containers and
//     ephemeral containers ("Duplicate value");
//   - port names are unique within a container ("Duplicate value").
//
// ServerRules returns the violations in obj (an unstructured object of any kind; only pods and
// the kinds that hold a pod template are checked), each as the apiserver words it:
// "spec.template.spec.containers[0].image: Required value".
func ServerRules(obj map[string]any) []string {
	path, spec := podSpec(obj)
	if spec == nil {
		return nil
	}
	var out []string
	names := map[string]bool{}
	for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} { // the apiserver's order
		items, _ := spec[list].([]any)
		for i, item := range items {
			c, ok := item.(map[string]any)
			if !ok {
				continue
			}
			at := path + "." + list + "[" + strconv.Itoa(i) + "]"
			if name, _ := c["name"].(string); name != "" {
				if names[name] {
					out = append(out, fmt.Sprintf("%s.name: Duplicate value: %q", at, name))
				}
				names[name] = true
			}
			if image, _ := c["image"].(string); image == "" && list != "ephemeralContainers" {
				out = append(out, at+".image: Required value")
			}
			out = append(out, duplicatePortNames(at, c)...)
		}
	}
	return out
}

func duplicatePortNames(at string, c map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	ports, _ := c["ports"].([]any)
	for j, item := range ports {
		p, _ := item.(map[string]any)
		name, _ := p["name"].(string)
		if name == "" {
			continue
		}
		if seen[name] {
			out = append(out, fmt.Sprintf("%s.ports[%d].name: Duplicate value: %q", at, j, name))
		}
		seen[name] = true
	}
	return out
}

// podSpec finds the pod spec of obj and its field path: a Pod's spec, a PodTemplate's
// template.spec, a CronJob's spec.jobTemplate.spec.template.spec, and spec.template.spec of
// the other kinds that have one (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
// ReplicationController). nil for other objects.
func podSpec(obj map[string]any) (string, map[string]any) {
	kind, _ := obj["kind"].(string)
	var path []string
	switch kind {
	case "Pod":
		path = []string{"spec"}
	case "PodTemplate":
		path = []string{"template", "spec"}
	case "CronJob":
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController":
		path = []string{"spec", "template", "spec"}
	default:
		return "", nil
	}
	cur := obj
	for _, k := range path {
		next, ok := cur[k].(map[string]any)
		if !ok {
			return "", nil
		}
		cur = next
	}
	at := path[0]
	for _, k := range path[1:] {
		at += "." + k
	}
	return at, cur
}
