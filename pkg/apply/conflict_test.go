package apply_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/apply"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestConflictWithAnotherApplier: a field another tool declared with server-side apply is a
// conflict: apply fails naming the object, its service, the field and the other manager, and
// suggests --force-conflicts, which then takes the field over.
func TestConflictWithAnotherApplier(t *testing.T) {
	e := newEnv(t)
	ns := "conflict"
	set := apply.NewSet(ns, ns)
	objs := parse(t, app(ns, 1, false))
	if _, _, err := e.apply(objs, apply.Options{Set: set}); err != nil {
		t.Fatal(err)
	}
	cs, _ := e.kc.Client()
	other := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"svc0-env","namespace":"conflict"},"data":{"LOG_LEVEL":"warn"}}`)
	force := true
	if _, err := cs.CoreV1().ConfigMaps(ns).Patch(e.ctx, "svc0-env", types.ApplyPatchType, other,
		metav1.PatchOptions{FieldManager: "platform-team", Force: &force}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.apply(objs, apply.Options{Set: set})
	if err == nil {
		t.Fatal("apply over another applier's field succeeded without --force-conflicts")
	}
	if !errors.Is(err, apply.ErrConflict) {
		t.Errorf("not ErrConflict: %v", err)
	}
	for _, want := range []string{"ConfigMap conflict/svc0-env (service svc0)", `field .data.LOG_LEVEL is owned by field manager "platform-team"`, "--force-conflicts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("conflict error %q does not say %q", err, want)
		}
	}
	cm, _ := cs.CoreV1().ConfigMaps(ns).Get(e.ctx, "svc0-env", metav1.GetOptions{})
	if cm.Data["LOG_LEVEL"] != "warn" {
		t.Errorf("conflicting apply changed the field: %q", cm.Data["LOG_LEVEL"])
	}
	if _, _, err := e.apply(objs, apply.Options{Set: set, ForceConflicts: true}); err != nil {
		t.Fatal(err)
	}
	cm, _ = cs.CoreV1().ConfigMaps(ns).Get(e.ctx, "svc0-env", metav1.GetOptions{})
	if cm.Data["LOG_LEVEL"] != "info" {
		t.Errorf("--force-conflicts did not take the field: %q", cm.Data["LOG_LEVEL"])
	}
}
