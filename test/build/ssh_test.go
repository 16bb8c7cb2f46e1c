package build_test

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/agent"

	"github.com/berth-dev/berth/pkg/build"
)

// TestBuildSSH: build.ssh default forwards $SSH_AUTH_SOCK (an SSH agent served by the test)
// to RUN --mount=type=ssh; without SSH_AUTH_SOCK it is one error naming build.ssh.
func TestBuildSSH(t *testing.T) {
	ctx, env, base := startWithBase(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	keyring := agent.NewKeyring()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _ = agent.ServeAgent(keyring, c); c.Close() }()
		}
	}()
	app := project(ctx, t, map[string]string{
		"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n      ssh: [default]\n",
		"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN --mount=type=ssh test -S \"$SSH_AUTH_SOCK\" && echo forwarded > /ssh\n",
	})
	var progress bytes.Buffer
	o := opts(env, &progress)
	o.Environ = append(o.Environ, "SSH_AUTH_SOCK="+sock)
	imgs, err := build.Build(ctx, app, o)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, progress.String())
	}
	img, err := env.Image(ctx, imgs[0].Pinned())
	if err != nil {
		t.Fatal(err)
	}
	if got := imageFiles(t, img)["ssh"]; got != "forwarded\n" {
		t.Errorf("/ssh = %q: the agent socket was not forwarded", got)
	}

	o = opts(env, &progress) // no SSH_AUTH_SOCK
	if _, err := build.Build(ctx, app, o); err == nil || !strings.Contains(err.Error(), "services.web.build.ssh: service web: ") {
		t.Errorf("ssh default without SSH_AUTH_SOCK: %v, want an error naming services.web.build.ssh", err)
	}
}
