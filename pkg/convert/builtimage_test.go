package convert_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
)

const builtCompose = `
services:
  web:
    build: ./web
    pull_policy: build
  api:
    image: acme/api:1.2.3
    build:
      context: ./api
      dockerfile_inline: "FROM scratch"
  db:
    image: postgres:16.4
`

func containerImages(t *testing.T, res *convert.Result) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, o := range res.Objects {
		ps := convert.PodSpec(o)
		if ps == nil {
			continue
		}
		for _, c := range ps.Containers {
			out[c.Name] = [2]string{c.Image, string(c.ImagePullPolicy)}
		}
	}
	return out
}

// --registry names every built service's image REGISTRY/<service>:<tag>; --image wins over
// it and over the input; images without a build section stay as they are.
func TestBuiltImages(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(builtCompose), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"web", "api"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	app, err := loadCompose(t, filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := convert.Convert(app, convert.Options{Registry: "ghcr.io/acme/", Tag: "3f2a9c1", Images: []string{"db=registry.example/pg@sha256:" + strings.Repeat("a", 64)}})
	if err != nil {
		t.Fatal(err)
	}
	got := containerImages(t, res)
	want := map[string][2]string{
		"web": {"ghcr.io/acme/web:3f2a9c1", string(corev1.PullIfNotPresent)},
		"api": {"ghcr.io/acme/api:3f2a9c1", string(corev1.PullIfNotPresent)},
		"db":  {"registry.example/pg@sha256:" + strings.Repeat("a", 64), string(corev1.PullIfNotPresent)},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("images (-want +got):\n%s", d)
	}
	for _, d := range res.Diagnostics {
		if d.Severity == diag.Warning && strings.Contains(d.Message, "build") {
			t.Errorf("warning about building with --registry: %s", d.Message)
		}
	}
	wantList := []convert.Image{
		{Service: "api", Ref: "ghcr.io/acme/api:3f2a9c1", Context: filepath.Join(dir, "api"), Dockerfile: "inline", By: "registry"},
		{Service: "db", Ref: "registry.example/pg@sha256:" + strings.Repeat("a", 64), By: "image"},
		{Service: "web", Ref: "ghcr.io/acme/web:3f2a9c1", Context: filepath.Join(dir, "web"), Dockerfile: "Dockerfile", By: "registry"},
	}
	if d := cmp.Diff(wantList, res.Images); d != "" {
		t.Errorf("convert.Result.Images (-want +got):\n%s", d)
	}
	seen := map[string]bool{}
	for _, a := range res.Accounts {
		for prefix, want := range map[string]diag.Outcome{"services.web.build": diag.Mapped, "services.api.build": diag.Mapped, "services.web.pull_policy": diag.Ignored} {
			if a.Path == prefix || strings.HasPrefix(a.Path, prefix+".") {
				seen[prefix] = true
				if a.Outcome != want {
					t.Errorf("%s accounted %v, want %v", a.Path, a.Outcome, want)
				}
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("accounted fields: %v, want the build sections and pull_policy", seen)
	}

	// without --registry: the build-only service warns, as before
	res, err = convert.Convert(app, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := containerImages(t, res)["web"][0]; got != app.Name+"-web" {
		t.Errorf("web image without --registry = %q", got)
	}

	var oe *convert.OptionError
	if _, err := convert.Convert(app, convert.Options{Images: []string{"nosuch=x:1"}}); !errors.As(err, &oe) || oe.Option != "image" {
		t.Errorf("--image for an unknown service: %v, want an convert.OptionError naming image", err)
	}
}

func TestImageOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		o      convert.Options
		option string // "" = valid
	}{
		{convert.Options{Registry: "ghcr.io/acme", Tag: "v1"}, ""},
		{convert.Options{Registry: "localhost:5000", Tag: "abc-dirty"}, ""},
		{convert.Options{Registry: "127.0.0.1:5000/shop/", Tag: "sha-0123456789ab"}, ""},
		{convert.Options{Images: []string{"web=nginx:1.27", "api=ghcr.io/a/b@sha256:" + strings.Repeat("0", 64)}}, ""},
		{convert.Options{Registry: "ghcr.io/acme"}, "tag"},
		{convert.Options{Tag: "v1"}, "tag"},
		{convert.Options{Registry: "ghcr.io/Acme", Tag: "v1"}, "registry"},
		{convert.Options{Registry: "ghcr.io/acme:v1", Tag: "v1"}, "registry"},
		{convert.Options{Registry: "ghcr.io/acme", Tag: "-v1"}, "tag"},
		{convert.Options{Registry: "ghcr.io/acme", Tag: "a/b"}, "tag"},
		{convert.Options{Images: []string{"web"}}, "image"},
		{convert.Options{Images: []string{"web=Bad Ref"}}, "image"},
		{convert.Options{Images: []string{"web=a:1", "web=b:1"}}, "image"},
	} {
		err := tc.o.Validate()
		var oe *convert.OptionError
		switch {
		case tc.option == "" && err != nil:
			t.Errorf("%+v: %v", tc.o, err)
		case tc.option != "" && (!errors.As(err, &oe) || oe.Option != tc.option):
			t.Errorf("%+v: %v, want an convert.OptionError naming %s", tc.o, err, tc.option)
		}
	}
}
