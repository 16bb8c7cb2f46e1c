package convert_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
)

// TestGoldenCompose converts the Compose files under testdata/compose-*/ through the real
// loader, so positions and field paths in the accounting are the loader's.
func TestGoldenCompose(t *testing.T) {
	on := true
	// the CLI's golden case holds every network mode berth handles
	netpol := filepath.Join("..", "..", "internal", "cli", "testdata", "golden", "network-policies", "compose.yaml")
	for _, tc := range []struct {
		name string
		file string // default testdata/<name>/compose.yaml
		opts convert.Options
	}{
		{"compose-features", "", convert.Options{Domain: "example.com"}},
		{"compose-spec", "", convert.Options{Domain: "example.com"}},
		{"netpol", netpol, convert.Options{Domain: "example.com", NetworkPolicies: &on, IngressNamespace: "traefik"}},
		{"netpol-gateway", netpol, convert.Options{Domain: "example.com", NetworkPolicies: &on, Routing: convert.RoutingGateway, GatewayClass: "nginx"}},
		{"netpol-aws", netpol, convert.Options{Domain: "example.com", NetworkPolicies: &on, Provider: convert.ProviderAWS,
			SourceRanges: []string{"203.0.113.0/24"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = filepath.Join("testdata", tc.name, "compose.yaml")
			}
			app, err := compose.Load(context.Background(), compose.Options{Files: []string{file}, Environ: []string{"PWD=/"}})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			convert.Golden(t, tc.name, app, tc.opts)
		})
	}
}
