package build

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/client"

	"github.com/berth-dev/berth/pkg/model"
)

func TestCacheEntries(t *testing.T) {
	got, err := cacheEntries([]string{"ghcr.io/acme/cache:web", "type=registry,ref=r/c:1,mode=max", "type=inline"})
	if err != nil {
		t.Fatal(err)
	}
	want := []client.CacheOptionsEntry{
		{Type: "registry", Attrs: map[string]string{"ref": "ghcr.io/acme/cache:web"}},
		{Type: "registry", Attrs: map[string]string{"ref": "r/c:1", "mode": "max"}},
		{Type: "inline", Attrs: map[string]string{}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("cacheEntries (-want +got):\n%s", d)
	}
	for _, bad := range []string{"ref=r/c:1", "type=registry,junk"} {
		if _, err := cacheEntries([]string{bad}); err == nil {
			t.Errorf("cacheEntries(%q) accepted", bad)
		}
	}
}

func TestTargets(t *testing.T) {
	app := &model.App{Services: []*model.Service{
		{Name: "api", Containers: []model.Container{{Build: &model.Build{Field: "services.api.build"}}}},
		{Name: "db", Containers: []model.Container{{Image: "postgres:16"}}},
		{Name: "web", Containers: []model.Container{{Build: &model.Build{Field: "services.web.build"}}}},
	}}
	names := func(ts []Target) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Service.Name)
		}
		return out
	}
	all, err := Targets(app, nil)
	if err != nil || !cmp.Equal(names(all), []string{"api", "web"}) {
		t.Errorf("Targets(all) = %v, %v; want api, web", names(all), err)
	}
	one, err := Targets(app, []string{"web"})
	if err != nil || !cmp.Equal(names(one), []string{"web"}) {
		t.Errorf("Targets(web) = %v, %v", names(one), err)
	}
	for name, want := range map[string]string{"db": "has no build section", "nosuch": "no such service"} {
		if _, err := Targets(app, []string{name}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Targets(%s) = %v, want an error saying %q", name, err, want)
		}
	}
}

func TestBuilderAddress(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, DefaultBuilder},
		{Options{Environ: []string{"BUILDKIT_HOST=tcp://b:1234"}}, "tcp://b:1234"},
		{Options{Builder: "docker-container://x", Environ: []string{"BUILDKIT_HOST=tcp://b:1234"}}, "docker-container://x"},
	} {
		if got := BuilderAddress(tc.opts); got != tc.want {
			t.Errorf("BuilderAddress(%+v) = %q, want %q", tc.opts, got, tc.want)
		}
	}
}
