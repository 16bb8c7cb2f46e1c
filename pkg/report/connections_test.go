package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

// TestReportConnections checks that the JSON report and the graph carry the connection
// audit's edges, and that a secret inside a dialed value never reaches them.
func TestReportConnections(t *testing.T) {
	app := &model.App{Name: "shop", Source: model.Compose, Files: []string{"compose.yaml"}, Services: []*model.Service{
		{Name: "web", Field: "services.web", Containers: []model.Container{{Name: "web", Field: "services.web", Image: "acme/web:1.0.0",
			Env: []model.EnvVar{{Name: "DATABASE_URL", Value: "postgres://app:" + secretValue + "@db:5432/app", Field: "services.web.environment.DATABASE_URL"},
				{Name: "CACHE_HOST", Value: "cache", Field: "services.web.environment.CACHE_HOST"}}}}},
		{Name: "db", Field: "services.db", Containers: []model.Container{{Name: "db", Field: "services.db", Image: "postgres:16.4"}}},
	}}
	res, err := convert.Convert(app, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := Build(app, res, NewRedactor(app, res.Objects))
	want := []convert.Connection{
		{From: "web", Address: "cache", Field: "services.web.environment.CACHE_HOST"},
		{From: "web", Address: "db:5432", Field: "services.web.environment.DATABASE_URL", To: "db", Service: "db"},
	}
	if diff := cmp.Diff(want, r.Connections); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, r.Graph.Connections); diff != "" {
		t.Errorf("graph connections (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"connections"`) {
		t.Errorf("the JSON report has no connections")
	}
	if strings.Contains(buf.String(), secretValue) {
		t.Errorf("the JSON report leaks the secret")
	}
}
