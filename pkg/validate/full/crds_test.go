package full

import (
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestEmbeddedCRDs: the kinds the fast check sends here are the ones with an embedded CRD, a
// SecretStore and an ExternalSecret as berth emits them pass, and a misspelled field does not.
func TestEmbeddedCRDs(t *testing.T) {
	crds, err := crdSchemas()
	if err != nil {
		t.Fatal(err)
	}
	for gvk := range crds {
		if !validate.EmbeddedCRDKind(gvk) {
			t.Errorf("%s has an embedded CRD but validate.EmbeddedCRDKind says no", gvk)
		}
	}
	if len(crds) != 2 {
		t.Errorf("got %d served CRD kinds, want 2 (v1 SecretStore, ExternalSecret)", len(crds))
	}
	o, err := NewOffline("")
	if err != nil {
		t.Fatal(err)
	}
	store := map[string]any{"apiVersion": "external-secrets.io/v1", "kind": "SecretStore", "metadata": map[string]any{"name": "aws", "namespace": "x"},
		"spec": map[string]any{"provider": map[string]any{"aws": map[string]any{"service": "SecretsManager", "region": "eu-west-1",
			"auth": map[string]any{"jwt": map[string]any{"serviceAccountRef": map[string]any{"name": "x-exec"}}}}}}}
	es := map[string]any{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": map[string]any{"name": "app", "namespace": "x"},
		"spec": map[string]any{"secretStoreRef": map[string]any{"name": "aws", "kind": "SecretStore"}, "target": map[string]any{"name": "app-external-env"},
			"data": []any{map[string]any{"secretKey": "TOKEN", "remoteRef": map[string]any{"key": "prod/token", "property": "token"}}}}}
	for _, obj := range []map[string]any{store, es} {
		if r := o.Object(&unstructured.Unstructured{Object: obj}); !r.Accepted {
			t.Errorf("%s: rejected: %s", obj["kind"], r.Message)
		}
	}
	bad := es
	bad["spec"].(map[string]any)["secretStoreRef"] = map[string]any{"name": "aws", "kind": "NoSuchStore"}
	if r := o.Object(&unstructured.Unstructured{Object: bad}); r.Accepted {
		t.Error("ExternalSecret with secretStoreRef.kind NoSuchStore: accepted, want rejected (the CRD's enum)")
	}
}
