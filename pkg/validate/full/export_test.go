package full

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/berth-dev/berth/pkg/validate"
)

// FastAndFull returns the fast check's and the full validators' verdicts on obj separately.
func FastAndFull(o *Offline, obj *unstructured.Unstructured) (fast bool, full validate.Result) {
	fast = o.fast.SurelyValid(obj.Object)
	r := validate.Result{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
	return fast, o.checkFull(obj, r)
}
