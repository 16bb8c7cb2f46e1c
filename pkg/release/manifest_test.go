package release

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPostRenderer: Namespace objects leave the release, PersistentVolumeClaims get the keep
// policy (beside their own annotations), every other document passes through byte for byte.
func TestPostRenderer(t *testing.T) {
	in := `---
# Source: app/templates/00-namespace-app.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: app
---
# Source: app/templates/14-persistentvolumeclaim-data.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  annotations:
    team: storage
  name: data
  namespace: app
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
# Source: app/templates/16-deployment-web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # a comment that must survive
  namespace: app
`
	out, err := postRenderer{}.Run(bytes.NewBufferString(in))
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "kind: Namespace") {
		t.Errorf("the Namespace stayed in the release:\n%s", got)
	}
	if !strings.Contains(got, "helm.sh/resource-policy: keep\n    team: storage\n") {
		t.Errorf("the claim lacks the keep policy or lost its annotation:\n%s", got)
	}
	wantDeploy := `# Source: app/templates/16-deployment-web.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # a comment that must survive
  namespace: app
`
	if !strings.HasSuffix(got, wantDeploy) {
		t.Errorf("the Deployment did not pass through unchanged (-want +got):\n%s", cmp.Diff(wantDeploy, got))
	}
	if _, err := (postRenderer{}).Run(bytes.NewBufferString("a: [\n")); err == nil {
		t.Error("a broken document was accepted")
	}
}
