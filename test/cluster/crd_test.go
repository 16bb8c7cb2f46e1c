package cluster_test

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
)

const gadgetCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.crd.berth.test}
spec:
  group: crd.berth.test
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
`

func TestInstallCRDsThenDryRunCustomResources(t *testing.T) {
	c := kube.Get(t)
	ctx := context.Background()
	crds, err := validate.ParseYAML([]byte(gadgetCRD))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := c.InstallCRDs(ctx, crds); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, doc string
		valid     bool
		want      string
	}{
		{"valid", `{apiVersion: crd.berth.test/v1, kind: Gadget, metadata: {name: g, namespace: crd-test}, spec: {size: 2}}`, true, ""},
		{"unknown field", `{apiVersion: crd.berth.test/v1, kind: Gadget, metadata: {name: g, namespace: crd-test}, spec: {size: 2, colour: red}}`, false, "colour"},
		{"schema minimum", `{apiVersion: crd.berth.test/v1, kind: Gadget, metadata: {name: g, namespace: crd-test}, spec: {size: 0}}`, false, "size"},
		{"required", `{apiVersion: crd.berth.test/v1, kind: Gadget, metadata: {name: g, namespace: crd-test}, spec: {}}`, false, "size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results, err := c.DryRunYAML(ctx, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			r := results[0]
			t.Logf("%s", r)
			if r.Accepted != tc.valid {
				t.Fatalf("accepted = %v, want %v", r.Accepted, tc.valid)
			}
			if !tc.valid && !strings.Contains(r.Message, tc.want) {
				t.Errorf("message %q does not mention %q", r.Message, tc.want)
			}
		})
	}
}
