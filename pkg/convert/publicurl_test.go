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
// warning with the Ingress host, one for all the variables that name the same port.
// Loopback-only ports, ports nobody publishes and ports a LoadBalancer serves get none.
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
  admin:
    image: acme/admin:1.0
    ports: ["127.0.0.1:8081:80"]
  game:
    image: acme/game:1.0
    ports: ["7777:7777/udp"]
`}, convert.Options{Domain: "example.com", ClusterIssuer: "letsencrypt"})
	var got []diag.Diagnostic
	for _, d := range res.Diagnostics {
		if strings.Contains(d.Message, "Compose host (the address a browser there used)") {
			got = append(got, d)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d warnings, want one for localhost:4007: %v", len(got), got)
	}
	d := got[0]
	if !d.Breaks || d.Field != "services.web.environment.MAIN_URL" || !cmp.Equal(d.Also, []string{"worker"}) {
		t.Errorf("breaks %v, field %s, also %v: want breaking, at MAIN_URL, also worker", d.Breaks, d.Field, d.Also)
	}
	if want := "MAIN_URL, BACKEND_URL, CORS, APP_URL name localhost:4007"; !strings.HasPrefix(d.Message, want) {
		t.Errorf("%q does not start %q", d.Message, want)
	}
	if want := "host web.example.com over https (Ingress/web)"; !strings.Contains(d.Message, want) {
		t.Errorf("%q does not name %q", d.Message, want)
	}
}
