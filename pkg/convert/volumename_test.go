package convert_test

import (
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
)

// TestVolumeEngineName: a volume's own name (SigNoz: clickhouse: {name: signoz-clickhouse})
// names Docker's volume, not the claim (named after the key), so the report must not call it
// mapped to the claim; an external volume's name is its claim's name.
func TestVolumeEngineName(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `services:
  db:
    image: postgres:16
    volumes: ["data:/var/lib/postgresql/data", "old:/old"]
volumes:
  data:
    name: shop-data
  old:
    external: true
    name: legacy-claim
`}, convert.Options{})
	acc := map[string]diag.Accounted{}
	for _, a := range res.Accounts {
		acc[a.Path] = a
	}
	if a := acc["volumes.data.name"]; a.Outcome != diag.Ignored {
		t.Errorf("volumes.data.name: outcome %s, want ignored (%v %v)", a.Outcome, a.Targets, a.Reasons)
	}
	if a := acc["volumes.old.name"]; a.Outcome == diag.Ignored || len(a.Targets) != 1 || a.Targets[0] != "PersistentVolumeClaim/legacy-claim" {
		t.Errorf("volumes.old.name: outcome %s, targets %v: want the claim it names", a.Outcome, a.Targets)
	}
}
