package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestSetID pins the ApplySet ID to the KEP-3659 formula, computed independently:
// "applyset-" + base64url(sha256("berth-applyset-shop.shop.Secret.")) + "-v1".
func TestSetID(t *testing.T) {
	s := NewSet("shop", "shop")
	if got, want := s.ID(), "applyset-3GFHIQsJEtL24VrYruEbZHJ-9EFNYloS9DvVQk0qp04-v1"; got != want {
		t.Errorf("ID() = %q, want %q", got, want)
	}
	if got, want := groupKindsAnnotation([]schema.GroupKind{{Group: "apps", Kind: "Deployment"}, {Kind: "Service"}, {Kind: "ConfigMap"}, {Group: "apps", Kind: "Deployment"}}),
		"ConfigMap,Deployment.apps,Service"; got != want {
		t.Errorf("contains-group-kinds = %q, want %q", got, want)
	}
	if got, want := namespacesAnnotation([]string{"b", "shop", "a", "b"}, "shop"), "a,b"; got != want {
		t.Errorf("additional-namespaces = %q, want %q", got, want)
	}
}

func obj(t *testing.T, s string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(s), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

// withManaged sets an Apply entry for berth with the given FieldsV1 on live.
func withManaged(u *unstructured.Unstructured, manager, apiVersion, fields string) *unstructured.Unstructured {
	u.SetManagedFields(append(u.GetManagedFields(), metav1.ManagedFieldsEntry{
		Manager: manager, Operation: metav1.ManagedFieldsOperationApply, APIVersion: apiVersion,
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields),
	}))
	return u
}

const desiredDeploy = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}},
"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}`

const berthFields = `{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}`

// live is what the server returns: berth's fields plus defaults and other managers' fields.
const liveDeploy = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","uid":"u1","resourceVersion":"7",
"labels":{"app":"web","team":"x"},"annotations":{"deployment.kubernetes.io/revision":"1"}},
"spec":{"replicas":%s,"strategy":{"type":"RollingUpdate"},"template":{"spec":{"dnsPolicy":"ClusterFirst","containers":[
{"name":"sidecar","image":"envoy:1"},
{"name":"web","image":"%s","imagePullPolicy":"IfNotPresent","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}},
"status":{"replicas":2}}`

func TestUpToDate(t *testing.T) {
	desired := obj(t, desiredDeploy)
	for _, tc := range []struct {
		name   string
		live   *unstructured.Unstructured
		fields string
		want   bool
	}{
		{"same values, defaults and others' fields ignored", obj(t, fmt.Sprintf(liveDeploy, "2", "nginx:1")), berthFields, true},
		{"a berth field changed (ownership kept)", obj(t, fmt.Sprintf(liveDeploy, "2", "nginx:2")), berthFields, false},
		{"a berth field taken by another manager", obj(t, fmt.Sprintf(liveDeploy, "5", "nginx:1")),
			`{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}`, false},
		{"berth owns a field it no longer wants", obj(t, fmt.Sprintf(liveDeploy, "2", "nginx:1")),
			`{"f:metadata":{"f:labels":{"f:app":{},"f:team":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}`, false},
		{"no berth entry", obj(t, fmt.Sprintf(liveDeploy, "2", "nginx:1")), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := tc.live
			if tc.fields != "" {
				live = withManaged(live, FieldManager, "apps/v1", tc.fields)
			}
			withManaged(live, "kubectl-edit", "apps/v1", `{"f:metadata":{"f:labels":{"f:team":{}}}}`)
			if got := upToDate(desired, live); got != tc.want {
				t.Errorf("upToDate = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("another apiVersion", func(t *testing.T) {
		live := withManaged(obj(t, fmt.Sprintf(liveDeploy, "2", "nginx:1")), FieldManager, "apps/v1beta2", berthFields)
		if upToDate(desired, live) {
			t.Error("an entry for another apiVersion counts as up to date")
		}
	})
}

func TestProjectSetsAndAtomics(t *testing.T) {
	live := map[string]any{
		"finalizers": []any{"a", "b"},
		"selector":   map[string]any{"matchLabels": map[string]any{"x": "1", "y": "2"}},
		"args":       []any{"--one", "--two"},
	}
	fields := map[string]any{}
	if err := json.Unmarshal([]byte(`{"f:finalizers":{"v:\"b\"":{}},"f:selector":{},"f:args":{}}`), &fields); err != nil {
		t.Fatal(err)
	}
	got := project(live, fields)
	want := map[string]any{
		"finalizers": []any{"b"},
		"selector":   map[string]any{"matchLabels": map[string]any{"x": "1", "y": "2"}},
		"args":       []any{"--one", "--two"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("project (-want +got):\n%s", diff)
	}
	if !equalValues(map[string]any{"n": int64(3)}, map[string]any{"n": float64(3)}) {
		t.Error("3 and 3.0 differ")
	}
}

func TestConflictsOf(t *testing.T) {
	err := &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: 409, Reason: metav1.StatusReasonConflict,
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
			{Type: metav1.CauseTypeFieldManagerConflict, Field: ".spec.replicas", Message: `conflict with "kubectl" with subresource "scale" using autoscaling/v1`},
			{Type: metav1.CauseTypeFieldManagerConflict, Field: ".data.x", Message: `conflict with "platform-team"`},
			{Type: metav1.CauseTypeFieldManagerConflict, Field: ".data.y", Message: `conflict with "kubectl-edit" using v1 at 2026-11-22T05:00:00Z`},
		}},
	}}
	got := conflictsOf(err)
	want := []conflict{
		{Field: ".spec.replicas", Manager: "kubectl", Imperative: true},
		{Field: ".data.x", Manager: "platform-team"},
		{Field: ".data.y", Manager: "kubectl-edit", Imperative: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conflictsOf (-want +got):\n%s", diff)
	}
	if allImperative(got) || !allImperative([]conflict{got[0], got[2]}) {
		t.Error("allImperative wrong")
	}
}

func TestRolloutOf(t *testing.T) {
	for _, tc := range []struct {
		name, obj string
		done      bool
		failed    bool
	}{
		{"deployment not observed", `{"kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":1},"status":{"observedGeneration":1,"updatedReplicas":1,"availableReplicas":1,"replicas":1}}`, false, false},
		{"deployment available", `{"kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":2,"replicas":2}}`, true, false},
		{"deployment old replicas", `{"kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":2,"replicas":3}}`, false, false},
		{"deployment deadline", `{"kind":"Deployment","metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}`, false, true},
		{"statefulset revision pending", `{"kind":"StatefulSet","metadata":{"generation":1},"spec":{"replicas":1},"status":{"observedGeneration":1,"readyReplicas":1,"currentRevision":"a","updateRevision":"b"}}`, false, false},
		{"statefulset ready", `{"kind":"StatefulSet","metadata":{"generation":1},"spec":{"replicas":1},"status":{"observedGeneration":1,"readyReplicas":1,"currentRevision":"b","updateRevision":"b"}}`, true, false},
		{"daemonset ready", `{"kind":"DaemonSet","metadata":{"generation":1},"status":{"observedGeneration":1,"desiredNumberScheduled":2,"updatedNumberScheduled":2,"numberAvailable":2}}`, true, false},
		{"job complete", `{"kind":"Job","status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}`, true, false},
		{"job failed", `{"kind":"Job","status":{"failed":2,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := RolloutOf(obj(t, tc.obj))
			if r.Done != tc.done || (r.Failed != "") != tc.failed {
				t.Errorf("RolloutOf = %+v, want done=%v failed=%v", r, tc.done, tc.failed)
			}
		})
	}
}

// Until its controller has observed the current generation, a workload's rollout waits for
// the controller, whatever its status says, and counts what the status counts.
func TestRolloutWaitsForController(t *testing.T) {
	for _, tc := range []struct{ obj, waiting string }{
		{`{"kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":1,"updatedReplicas":2,"availableReplicas":2,"replicas":2}}`, "waiting for the deployment controller"},
		{`{"kind":"StatefulSet","metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":1,"readyReplicas":2,"currentRevision":"b","updateRevision":"b"}}`, "waiting for the statefulset controller"},
		{`{"kind":"DaemonSet","metadata":{"generation":2},"status":{"observedGeneration":1,"desiredNumberScheduled":2,"updatedNumberScheduled":2,"numberAvailable":2}}`, "waiting for the daemonset controller"},
	} {
		got := RolloutOf(obj(t, tc.obj))
		if want := (Rollout{Ready: 2, Desired: 2, Waiting: tc.waiting}); got != want {
			t.Errorf("RolloutOf(%s) = %+v, want %+v", tc.obj, got, want)
		}
	}
}

func TestMaskSecrets(t *testing.T) {
	live := obj(t, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"same":"YQ==","changed":"Yg==","gone":"Yw=="}}`)
	merged := obj(t, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"same":"YQ==","changed":"ZA==","new":"ZQ=="}}`)
	d, err := unifiedDiff("v1.Secret.s", live, merged)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"YQ==", "Yg==", "Yw==", "ZA==", "ZQ=="} {
		if strings.Contains(d, secret) || len(d) == 0 {
			t.Fatalf("diff leaks %s or is empty:\n%s", secret, d)
		}
	}
	for _, want := range []string{"-  changed: '*** (before)'", "+  changed: '*** (after)'", "+  new: '***'", "-  gone: '***'"} {
		if !containsLine(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}

func containsLine(text, line string) bool {
	for _, l := range splitLines(text) {
		if l == line {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range s {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func TestTransient(t *testing.T) {
	gr := schema.GroupResource{Resource: "configmaps"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{apierrors.NewTooManyRequests("slow down", 1), true},
		{apierrors.NewServiceUnavailable("starting"), true},
		{apierrors.NewServerTimeout(gr, "apply", 1), true},
		{apierrors.NewInternalError(fmt.Errorf("etcdserver: request timed out")), true},
		{fmt.Errorf("dial tcp 127.0.0.1:6443: connect: connection refused"), true},
		{fmt.Errorf("http2: server sent GOAWAY and closed the connection"), true},
		{apierrors.NewNotFound(gr, "x"), false},
		{apierrors.NewConflict(gr, "x", fmt.Errorf("conflict")), false},
		{apierrors.NewBadRequest("bad"), false},
		{apierrors.NewForbidden(gr, "x", fmt.Errorf("no")), false},
		{context.Canceled, false},
	} {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestBarProgress(t *testing.T) {
	var buf strings.Builder
	p := BarProgress(&buf)
	a, b := p.Track("Deployment shop/web"), p.Track("Job shop/migrate")
	a.Update(Rollout{Ready: 1, Desired: 2, Waiting: "1 of 2 updated replicas available"})
	a.Update(Rollout{Ready: 2, Desired: 2, Done: true})
	b.Update(Rollout{Desired: 1, Failed: "job failed: BackoffLimitExceeded"})
	p.Close()
	out := buf.String()
	for _, want := range []string{"Deployment shop/web", "2/2", "ready", "Job shop/migrate", "job failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%s", want, out)
		}
	}
}

// TestReadDirOrder: files are decoded on every core, but the objects come back in file order
// (documents in their order within a file) and, of several broken files, the first in file
// order is the one reported, whatever the scheduling.
func TestReadDirOrder(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 200 {
		name := fmt.Sprintf("cm-%03d", i)
		doc := fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s-b\n", name, name)
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, name+"-a", name+"-b")
	}
	for range 5 {
		objs, err := ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range objs {
			got = append(got, o.GetName())
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("objects out of file order (-want +got):\n%s", diff)
		}
	}
	for _, bad := range []string{"cm-150.yaml", "cm-042.yaml", "cm-199.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, bad), []byte("kind: ConfigMap\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		_, err := ReadDir(dir)
		if err == nil || !strings.Contains(err.Error(), "cm-042.yaml: document 1: not a Kubernetes object") {
			t.Fatalf("ReadDir error = %v, want the first broken file in order (cm-042.yaml)", err)
		}
	}
}
