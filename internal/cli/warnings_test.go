package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/google/go-cmp/cmp"
)

// What breaks the app is printed before advice, each group in input order.
func TestPrintWarningsBreaksFirst(t *testing.T) {
	diags := diag.List{
		{Severity: diag.Warning, Field: "services.a.ulimits", Message: "advice 1"},
		{Severity: diag.Info, Field: "services.a", Message: "an info"},
		{Severity: diag.Warning, Field: "services.a.environment.DB", Message: "address db will not resolve", Breaks: true},
		{Severity: diag.Warning, Field: "services.b.logging", Message: "advice 2"},
		{Severity: diag.Warning, Field: "services.b.volumes[0]", Message: "became an empty emptyDir", Breaks: true},
	}
	var out bytes.Buffer
	if n := PrintWarnings(&out, diags, nil); n != 4 {
		t.Errorf("%d warnings printed, want 4", n)
	}
	want := []string{
		"warning: services.a.environment.DB: address db will not resolve",
		"warning: services.b.volumes[0]: became an empty emptyDir",
		"warning: services.a.ulimits: advice 1",
		"warning: services.b.logging: advice 2",
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(out.String()), "\n")); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
