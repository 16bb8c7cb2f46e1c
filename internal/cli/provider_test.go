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
	}
	for _, tt := range tests {
		args := append([]string{"convert", "-f", in, "-o", t.TempDir()}, tt.args...)
		_, _, err := runBerth(t, args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("berth %s: error %v, want one containing %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
