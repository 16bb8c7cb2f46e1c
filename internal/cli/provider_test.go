package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestProviderFlagErrors(t *testing.T) {
	in := filepath.Join("testdata", "golden", "harden", "compose.yaml")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--provider", "gcp"}, `--provider "gcp": want generic or aws`},
		{[]string{"--tls-cert-arn", "arn:aws:acm:x"}, "need --provider aws"},
		{[]string{"--provider", "aws", "--tls-cert-arn", "abc"}, "want an ACM certificate ARN"},
		{[]string{"--provider", "aws", "--source-ranges", "10.0.0.0/33"}, `--source-ranges "10.0.0.0/33"`},
		{[]string{"--routing", "gateways"}, `--routing "gateways": want ingress or gateway`},
		{[]string{"--routing", "gateway", "--gateway-class", "Bad_Class"}, `--gateway-class "Bad_Class"`},
	}
	for _, tt := range tests {
		args := append([]string{"convert", "-f", in, "-o", t.TempDir()}, tt.args...)
		_, _, err := runBerth(t, args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("berth %s: error %v, want one containing %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}

// TestGatewayNeedsClass: the generic provider has no conventional GatewayClass, so --routing
// gateway on an app with a public HTTP service asks for one.
func TestGatewayNeedsClass(t *testing.T) {
	in := filepath.Join("testdata", "golden", "gateway", "compose.yaml")
	_, _, err := runBerth(t, "convert", "-f", in, "-o", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "--routing gateway needs --gateway-class") {
		t.Fatalf("error %v, want one asking for --gateway-class", err)
	}
}
