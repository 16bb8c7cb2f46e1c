package compose

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	golden.WriteFile(t, path, []byte(content))
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestBindMounts checks which bind sources are read into the model and that nothing outside
// the project directory is ever read, whatever symlinks or ~ point at.
func TestBindMounts(t *testing.T) {
	root := t.TempDir()
	home := filepath.Join(root, "home")
	t.Setenv("HOME", home)
	write(t, filepath.Join(home, ".ssh", "id_rsa"), "PRIVATE-KEY-MATERIAL")
	write(t, filepath.Join(root, "outside.txt"), "OUTSIDE-MATERIAL")
	proj := filepath.Join(root, "proj")
	write(t, filepath.Join(proj, "conf", "app.conf"), "a=1\n")
	write(t, filepath.Join(proj, "confdir", "b.conf"), "b=2\n")
	write(t, filepath.Join(proj, "confdir", "a.conf"), "a=1\n")
	symlink(t, "/etc", filepath.Join(proj, "etc-link"))
	symlink(t, filepath.Join(root, "outside.txt"), filepath.Join(proj, "outside-link"))
	write(t, filepath.Join(proj, "sneaky", "ok.conf"), "ok\n")
	symlink(t, filepath.Join(root, "outside.txt"), filepath.Join(proj, "sneaky", "leak"))
	write(t, filepath.Join(proj, "big.bin"), strings.Repeat("x", maxBindBytes+1))
	write(t, filepath.Join(proj, "nested", "sub", "f"), "f")
	for i := 0; i <= maxBindFiles; i++ {
		write(t, filepath.Join(proj, "many", fmt.Sprintf("f%02d", i)), "x")
	}
	write(t, filepath.Join(proj, "secret.txt"), "inside-secret")
	write(t, filepath.Join(proj, "compose.yaml"), `services:
  app:
    image: alpine
    volumes:
      - ./conf/app.conf:/etc/app.conf:ro
      - ./confdir:/etc/confdir
      - ./etc-link:/host-etc
      - ./outside-link:/o1
      - ./sneaky:/s
      - ~/.ssh:/root/.ssh
      - ../outside.txt:/o2
      - ./big.bin:/big
      - ./missing:/m
      - /var/run/docker.sock:/var/run/docker.sock
      - ./nested:/n
      - ./many:/many
      - /etc/passwd:/etc/passwd
    secrets: [inside, outside]
secrets:
  inside:
    file: ./secret.txt
  outside:
    file: ../outside.txt
`)
	app, err := Load(context.Background(), Options{WorkingDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Target  string
		Files   []model.File
		IsDir   bool
		NotRead string
	}
	var mounts []got
	for _, m := range app.Service("app").Main().Mounts {
		if m.Type == model.MountBind {
			mounts = append(mounts, got{m.Target, m.Files, m.IsDir, m.NotRead})
		}
	}
	want := []got{
		{"/etc/app.conf", []model.File{{Content: []byte("a=1\n"), Mode: 0o644}}, false, ""},
		{"/etc/confdir", []model.File{{Name: "a.conf", Content: []byte("a=1\n"), Mode: 0o644}, {Name: "b.conf", Content: []byte("b=2\n"), Mode: 0o644}}, true, ""},
		{"/host-etc", nil, false, "outside the project directory"},
		{"/o1", nil, false, "outside the project directory"},
		{"/s", nil, true, "leak points outside the project directory"},
		{"/root/.ssh", nil, false, "outside the project directory"},
		{"/o2", nil, false, "outside the project directory"},
		{"/big", nil, false, "larger than 1 MiB"},
		{"/m", nil, false, "missing: missing does not exist"},
		{"/var/run/docker.sock", nil, false, "docker socket"},
		{"/n", nil, true, "contains subdirectory sub (only flat directories are read)"},
		{"/many", nil, true, "more than 64 files"},
		{"/etc/passwd", nil, false, "outside the project directory"},
	}
	if diff := cmp.Diff(want, mounts); diff != "" {
		t.Errorf("bind mounts (-want +got):\n%s", diff)
	}
	if s := app.Secrets; len(s) != 2 || !s[0].Loaded || string(s[0].Content) != "inside-secret" || s[1].Loaded || s[1].Content != nil {
		t.Errorf("secrets = %+v, want inside loaded and outside not", s)
	}
	// Every byte read from disk, in one place (JSON would base64 it).
	var data []byte
	for _, s := range app.Services {
		for _, m := range s.Main().Mounts {
			for _, f := range m.Files {
				data = append(data, f.Content...)
			}
		}
	}
	for _, f := range append(app.Secrets, app.Configs...) {
		data = append(data, f.Content...)
	}
	if !bytes.Contains(data, []byte("inside-secret")) {
		t.Fatal("leak check sees no content at all")
	}
	for _, leak := range []string{"PRIVATE-KEY-MATERIAL", "OUTSIDE-MATERIAL", "root:x:0"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("the model holds %q from outside the project directory", leak)
		}
	}
}

// TestMissingBind checks Mount.Missing: a missing source Docker creates at start is marked,
// unless create_host_path is false or it lies in a build context that is missing too (a source
// tree not checked out here: code, not state).
func TestMissingBind(t *testing.T) {
	proj := t.TempDir()
	write(t, filepath.Join(proj, "api", "Dockerfile"), "FROM alpine\n")
	write(t, filepath.Join(proj, "compose.yaml"), `services:
  api:
    build: ./api
    volumes:
      - ./data:/data
      - ./api/cache:/cache
      - type: bind
        source: ./strict
        target: /strict
        bind:
          create_host_path: false
  ui:
    build: ./ui
    volumes:
      - ./ui/src:/app/src
`)
	app, err := Load(context.Background(), Options{WorkingDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	var notRead string
	for _, s := range app.Services {
		for _, m := range s.Main().Mounts {
			got[m.Target] = m.Missing
			if m.Target == "/app/src" {
				notRead = m.NotRead
			}
		}
	}
	want := map[string]bool{"/data": true, "/cache": true, "/strict": false, "/app/src": false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Missing (-want +got):\n%s", diff)
	}
	if !strings.Contains(notRead, "nor does build context ui: a source tree not checked out here") {
		t.Errorf("NotRead of ./ui/src = %q, want it to name the missing build context", notRead)
	}
}
