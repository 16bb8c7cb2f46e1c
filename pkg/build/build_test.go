package build

import (
	"errors"
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

func TestNoBuilderErrorTLS(t *testing.T) {
	for _, tc := range []struct {
		addr, tlsDir, err, want string
	}{
		{"tcp://b:1234", "", `connection error: desc = "error reading server preface: EOF"`, "the builder speaks TLS: give --builder-tls-dir DIR"},
		{"tcp://b:1234", "/t", `authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority`, "its certificate is not signed by ca.pem in --builder-tls-dir /t"},
		{"tcp://b:1234", "/t", `error reading server preface: remote error: tls: certificate required`, "check cert.pem and key.pem in --builder-tls-dir /t"},
		{"tcp://b:1234", "/t", `write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe`, "check cert.pem and key.pem in --builder-tls-dir /t"},
		{"tcp://b:1234", "", `dial tcp 127.0.0.1:1234: connect: connection refused`, "no BuildKit builder answers at tcp://b:1234"},
		{"unix:///x.sock", "", `error reading server preface: EOF`, "no BuildKit builder answers at unix:///x.sock"},
	} {
		err := &NoBuilderError{Addr: tc.addr, TLSDir: tc.tlsDir, Err: errors.New(tc.err)}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.addr) {
			t.Errorf("NoBuilderError(%s, %q) = %q, want it to name the address and say %q", tc.addr, tc.err, err, tc.want)
		}
	}
}
