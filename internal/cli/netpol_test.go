package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNetworkPoliciesFlag: the flag switches policies on, x-berth.networkPolicies is its
// default, and --network-policies=false overrides an x-berth true.
func TestNetworkPoliciesFlag(t *testing.T) {
	dir := t.TempDir()
	plain := "services:\n  web:\n    image: nginx:1.27\n    networks: [front]\nnetworks:\n  front:\n"
	withExt := "x-berth:\n  networkPolicies: true\n" + plain
	for _, tt := range []struct {
		compose string
		args    []string
		want    bool
	}{
		{plain, nil, false},
		{plain, []string{"--network-policies"}, true},
		{withExt, nil, true},
		{withExt, []string{"--network-policies=false"}, false},
	} {
		f := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(f, []byte(tt.compose), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"convert", "-f", f, "--stdout"}, tt.args...)
		out, stderr, err := runBerth(t, args...)
		if err != nil {
			t.Fatalf("berth %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		if got := strings.Contains(out, "kind: NetworkPolicy"); got != tt.want {
			t.Errorf("x-berth %v, flags %v: NetworkPolicies %v, want %v", tt.compose == withExt, tt.args, got, tt.want)
		}
	}
}

func TestIngressNamespaceFlag(t *testing.T) {
	in := filepath.Join("testdata", "golden", "network-policies", "compose.yaml")
	_, _, err := runBerth(t, "convert", "-f", in, "--stdout", "--network-policies", "--ingress-namespace", "Ingress_NS")
	if err == nil || !strings.Contains(err.Error(), `--ingress-namespace "Ingress_NS"`) {
		t.Errorf("error %v, want one naming --ingress-namespace", err)
	}
	out, _, err := runBerth(t, "convert", "-f", in, "--stdout", "--network-policies", "--ingress-namespace", "traefik")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "kubernetes.io/metadata.name: traefik") {
		t.Error("--ingress-namespace traefik is not the ingress rule's namespace")
	}
}
