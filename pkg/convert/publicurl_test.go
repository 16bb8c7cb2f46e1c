package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/google/go-cmp/cmp"
)

// A variable naming localhost at a port another (or the same) service publishes is the address
// a browser on the Compose host used (Postiz's MAIN_URL, NEXTAUTH_URL): it gets a breaking
// warning with the Ingress host (or the LoadBalancer), one for all the variables that name the
// same port. Loopback-only ports, ports nobody publishes and UDP ports get none. A plain
// http:// URL at a published port says it speaks HTTP: it gets an Ingress whatever its number
// (Planka's BASE_URL=http://localhost:3000, published as 3000:1337).
func TestPublicURLOnLocalhost(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
name: shop
services:
  web:
    image: acme/web:1.0
    ports: ["4007:5000"]
    environment:
      MAIN_URL: http://localhost:4007
      BACKEND_URL: http://127.0.0.1:4007/api
      CORS: "http://localhost:4007,http://localhost:4007/x"
      SELF: http://localhost:5000/health
  worker:
    image: acme/worker:1.0
    environment:
      APP_URL: http://localhost:4007/
      OTHER: http://localhost:9999
      ADMIN: http://localhost:8081
      GAME: http://localhost:7777
      VAULT: https://localhost:8443/ui
  admin:
    image: acme/admin:1.0
    ports: ["127.0.0.1:8081:80"]
  game:
    image: acme/game:1.0
    ports: ["7777:7777/udp"]
  vault:
    image: acme/vault:1.0
    ports: ["8443:8443"]
`}, convert.Options{Domain: "example.com", ClusterIssuer: "letsencrypt"})
	got := map[string]diag.Diagnostic{}
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Message, "Compose host (the address a browser there used)") {
			got[d.Field] = d
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d warnings, want one for localhost:4007 and one for 8443: %v", len(got), got)
	}
	d := got["services.web.environment.MAIN_URL"]
	if !d.Breaks || !cmp.Equal(d.Also, []string{"worker"}) {
		t.Errorf("MAIN_URL: breaks %v, also %v: want breaking, also worker", d.Breaks, d.Also)
	}
	if want := "MAIN_URL, BACKEND_URL, CORS, APP_URL name localhost:4007"; !strings.HasPrefix(d.Message, want) {
		t.Errorf("%q does not start %q", d.Message, want)
	}
	if want := "at host web.example.com over https (Ingress/web)"; !strings.Contains(d.Message, want) {
		t.Errorf("%q does not name %q", d.Message, want)
	}
	if want := "at the address of its LoadBalancer, Service/vault-public"; !strings.Contains(got["services.worker.environment.VAULT"].Message, want) {
		t.Errorf("VAULT: %q does not name %q", got["services.worker.environment.VAULT"].Message, want)
	}
}

func TestHTTPFromBrowserURL(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
services:
  planka:
    image: acme/planka:1.0
    ports: ["3000:1337"]
    environment:
      BASE_URL: http://localhost:3000
  other:
    image: acme/other:1.0
    ports: ["3001:1337"]
`}, convert.Options{})
	routed := map[string]bool{}
	for _, o := range res.Objects {
		if o.GetObjectKind().GroupVersionKind().Kind == "Ingress" {
			routed[o.GetName()] = true
		}
	}
	if !routed["planka"] || routed["other"] {
		t.Errorf("Ingresses %v: want planka's (BASE_URL says it speaks HTTP), not other's", routed)
	}
}
