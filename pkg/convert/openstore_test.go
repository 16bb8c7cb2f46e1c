package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
)

// Data stores that take no password (Planka's postgres with trust, a Redis without
// requirepass) get one warning per app naming them and --network-policies: under Compose only
// the project's networks reached them. Stores with a password and apps converted with
// NetworkPolicies get none.
func TestOpenStoresWarning(t *testing.T) {
	files := map[string]string{"compose.yaml": `
services:
  app:
    image: acme/app:1.0
    environment:
      DB: postgres://db:5432/app
      CACHE: redis://cache:6379
  db:
    image: postgres:17
    environment:
      POSTGRES_HOST_AUTH_METHOD: trust
  cache:
    image: redis:7
  locked:
    image: redis:7
    command: redis-server --requirepass "$${REDIS_PASSWORD}"
    environment:
      REDIS_PASSWORD: s3cret
  docs:
    image: mongo:8
    environment:
      MONGO_INITDB_ROOT_USERNAME: root
      MONGO_INITDB_ROOT_PASSWORD: s3cret
`}
	var got []diag.Diagnostic
	for _, d := range convertFiles(t, files, convert.Options{}).Diagnostics {
		if strings.Contains(d.Message, "without a password") {
			got = append(got, d)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0].Message, "cache (no requirepass), db (POSTGRES_HOST_AUTH_METHOD=trust) accept connections") ||
		!strings.Contains(got[0].Message, "--network-policies") {
		t.Errorf("want one warning naming db and cache and --network-policies, got %v", got)
	}
	yes := true
	for _, d := range convertFiles(t, files, convert.Options{NetworkPolicies: &yes}).Diagnostics {
		if strings.Contains(d.Message, "without a password") {
			t.Errorf("with NetworkPolicies: %s", d)
		}
	}
}
