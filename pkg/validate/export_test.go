package validate

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// FastAndFull returns the fast check's and the full validators' verdicts on obj separately.
func FastAndFull(o *Offline, obj *unstructured.Unstructured) (fast bool, full Result) {
	n := o.root(obj.GroupVersionKind())
	fast = n >= 0 && o.fast.surelyValid(n, obj.Object)
	fv, err := o.full()
	if err != nil {
		panic(err)
	}
	r := Result{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
	return fast, fv.check(obj, o.fast.formats, r)
}
