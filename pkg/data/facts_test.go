package data_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/data"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/google/go-cmp/cmp"
)

// TestAnalyzeNonLabelServiceNames: services whose names are not DNS labels (AppFlowy's
// appflowy_search, app_db) have workloads named otherwise (appflowy-search): the facts still
// find each service's workload, the claims it mounts and its store.
func TestAnalyzeNonLabelServiceNames(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(`services:
  app_db:
    image: postgres:16
    environment: {POSTGRES_PASSWORD: example-pass-1234}
    volumes: ["db_data:/var/lib/postgresql/data"]
  app_search:
    image: example/search
    volumes: ["index_data:/var/lib/index"]
volumes:
  db_data:
  index_data:
`), 0o644); err != nil {
		t.Fatal(err)
	}
	app, err := compose.Load(context.Background(), compose.Options{Files: []string{file}, Environ: []string{"PWD=/"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Convert(app, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := data.Analyze(res.Converted(app), res.Objects)
	type vol struct{ Name, Claim, Workload string }
	var got []vol
	for _, v := range f.Volumes {
		w := ""
		if len(v.Mounts) > 0 {
			w = v.Mounts[0].Workload
		}
		got = append(got, vol{v.Name, v.Claim, w})
	}
	want := []vol{{"db_data", "db-data-app-db-0", "statefulset/app-db"}, {"index_data", "index-data", "deployment/app-search"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("volumes (-want +got):\n%s", diff)
	}
	if s := f.Store("app_db"); s == nil || s.Workload != "statefulset/app-db" {
		t.Errorf("store app_db: %+v, want workload statefulset/app-db", s)
	}
}
