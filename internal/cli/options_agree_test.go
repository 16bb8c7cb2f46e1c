package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
)

// Each option the top-level x-berth shares with the flags has one rule: the flag (the CLI), the
// x-berth key (the Compose loader) and convert.Options (library callers) refuse the same bad
// value with the same message, each naming the option its own way.
func TestOptionRulesAgree(t *testing.T) {
	in := filepath.Join("testdata", "golden", "harden", "compose.yaml")
	for _, c := range []struct {
		flag, key, bad string
		set            func(*convert.Options, string)
	}{
		{"expose", "expose", "public", func(o *convert.Options, v string) { o.Expose = v }},
		{"routing", "routing", "istio", func(o *convert.Options, v string) { o.Routing = v }},
		{"volume-size", "volumeSize", "0Gi", func(o *convert.Options, v string) { o.VolumeSize = v }},
		{"namespace", "namespace", "Bad_NS", func(o *convert.Options, v string) { o.Namespace = v }},
		{"ingress-namespace", "ingressNamespace", "Ingress_Nginx", func(o *convert.Options, v string) { o.IngressNamespace = v }},
		{"domain", "domain", "-shop-", func(o *convert.Options, v string) { o.Domain = v }},
		{"gateway-class", "gatewayClass", "Bad_Class", func(o *convert.Options, v string) { o.GatewayClass = v }},
	} {
		t.Run(c.flag, func(t *testing.T) {
			var opts convert.Options
			c.set(&opts, c.bad)
			var oe *convert.OptionError
			if err := opts.Validate(); !errors.As(err, &oe) || oe.Option != c.flag {
				t.Fatalf("Options.Validate() = %v, want an OptionError naming %s", err, c.flag)
			}
			msg := fmt.Sprintf("%q: %v", c.bad, oe.Err)

			_, _, err := runBerth(t, "convert", "-f", in, "-o", t.TempDir(), "--"+c.flag, c.bad)
			if want := "--" + c.flag + " " + msg; err == nil || err.Error() != want {
				t.Errorf("flag: error %v, want %q", err, want)
			}

			src := fmt.Sprintf("x-berth:\n  %s: %q\nservices:\n  web:\n    image: nginx:1.27\n", c.key, c.bad)
			dir := writeManifests(t, map[string]string{"compose.yaml": src})
			_, _, err = runBerth(t, "convert", "-f", filepath.Join(dir, "compose.yaml"), "-o", filepath.Join(dir, "out"))
			if want := "x-berth." + c.key + ": " + c.key + " " + msg; err == nil || !strings.HasSuffix(err.Error(), want) {
				t.Errorf("x-berth: error %v, want one ending %q", err, want)
			}
		})
	}
}
