package apply

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// SuspendCronJobs sets spec.suspend: true in every CronJob of objs (the objects to apply) and
// returns their names, as namespace/name or name. Applied with server-side apply, berth then
// owns that field: no Job starts while the data is being moved.
//
// Resuming is applying the same objects without it: berth's apply no longer sets the field, so
// the server removes it and the CronJobs run on schedule again. A CronJob someone suspended by
// hand (kubectl patch, kubectl edit) stays suspended, because that field manager owns the field,
// not berth. Only when that person set the value berth already held (true over true) does the
// server not record them as an owner, and the resume applies to that CronJob too.
func SuspendCronJobs(objs []*unstructured.Unstructured) []string {
	var names []string
	for _, u := range objs {
		if u.GetKind() != "CronJob" || u.GroupVersionKind().Group != "batch" {
			continue
		}
		if err := unstructured.SetNestedField(u.Object, true, "spec", "suspend"); err != nil {
			continue // a spec that is not an object: the server will say what is wrong
		}
		name := u.GetName()
		if ns := u.GetNamespace(); ns != "" {
			name = ns + "/" + name
		}
		names = append(names, name)
	}
	return names
}
