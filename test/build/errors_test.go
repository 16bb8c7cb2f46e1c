package build_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/build"
)

// TestBuildErrors: each bad input is one error naming the service and the field, and
// nothing reaches the registry.
func TestBuildErrors(t *testing.T) {
	ctx, env, base := startWithBase(t)
	okDockerfile := "ARG BASE\nFROM ${BASE}\nRUN echo ok > /ok\n"
	badConfig := filepath.Join(t.TempDir(), "docker")
	if err := os.MkdirAll(badConfig, 0o700); err != nil {
		t.Fatal(err)
	}
	// the right user, a wrong password
	if err := os.WriteFile(filepath.Join(badConfig, "config.json"),
		[]byte(`{"auths":{"`+env.Registry+`":{"auth":"YmVydGg6d3Jvbmc="}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		files   map[string]string
		opts    func(*build.Options)
		want    []string // substrings of the error
		logWant string   // substring of the progress output
		absent  string   // neither in the error nor in the progress output
	}{{
		name: "missing Dockerfile",
		files: map[string]string{
			"compose.yaml": "services:\n  web:\n    build:\n      context: ./web\n      dockerfile: Dockerfile.prod\n",
			"web/main.txt": "x",
		},
		want: []string{"services.web.build.dockerfile: service web: Dockerfile ", "Dockerfile.prod does not exist"},
	}, {
		name: "context outside the project",
		files: map[string]string{
			"compose.yaml":          "services:\n  web:\n    build: ../outside\n",
			"../outside/Dockerfile": okDockerfile,
		},
		want: []string{"services.web.build.context: service web: ", "outside the project directory"},
	}, {
		name: "missing context",
		files: map[string]string{
			"compose.yaml": "services:\n  web:\n    build: ./nothere\n",
		},
		want: []string{"services.web.build.context: service web: directory ", "nothere does not exist"},
	}, {
		name: "failing RUN",
		files: map[string]string{
			"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n",
			"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN echo step-log-line-7f3 && echo out-$((6*7))-put && exit 3\n",
		},
		want: []string{"services.web.build: service web: building and pushing " + env.Registry + "/shop/web:t1 failed at ",
			"Dockerfile:3: RUN echo step-log-line-7f3 && echo out-$((6*7))-put && exit 3", "exit code: 3",
			// the step's own output (not in the command): its last lines are in the error
			"last lines of [2/2] RUN echo", "\n  | step-log-line-7f3\n  | out-42-put"},
		logWant: "out-42-put",
	}, {
		name: "failing RUN that prints a build secret",
		files: map[string]string{
			"compose.yaml": "services:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n      secrets: [token]\n" +
				"secrets:\n  token:\n    file: ./token.txt\n",
			"token.txt":      secretValue + "\n",
			"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN --mount=type=secret,id=token cat /run/secrets/token && exit 4\n",
		},
		want:   []string{"exit code: 4", "\n  | ***"},
		absent: secretValue,
	}, {
		name: "missing build secret file",
		files: map[string]string{
			"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n",
			"web/Dockerfile": okDockerfile,
		},
		want: []string{"services.web.build.secrets[0]: service web: build secret \"token\": file ", "token.txt does not exist"},
	}, {
		name: "registry auth refused",
		files: map[string]string{
			"compose.yaml":   "services:\n  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n",
			"web/Dockerfile": okDockerfile,
		},
		opts: func(o *build.Options) { o.Environ = []string{"DOCKER_CONFIG=" + badConfig} },
		want: []string{"services.web.build: service web: ", "401 Unauthorized", "the registry refused the credentials"},
	}, {
		name: "registry auth refused on push",
		files: map[string]string{
			"compose.yaml":   "services:\n  web:\n    build: ./web\n",
			"web/Dockerfile": "FROM scratch\nCOPY main.txt /\n",
			"web/main.txt":   "x",
		},
		opts: func(o *build.Options) { o.Environ = []string{"DOCKER_CONFIG=" + badConfig} },
		want: []string{"services.web.build: service web: building and pushing " + env.Registry + "/shop/web:t1 failed", "401 Unauthorized", "the registry refused the credentials"},
	}, {
		name: "builder unreachable",
		files: map[string]string{
			"compose.yaml":   "services:\n  web:\n    build: ./web\n",
			"web/Dockerfile": okDockerfile,
		},
		opts: func(o *build.Options) { o.Builder = "unix://" + filepath.Join(env.Dir, "no-such.sock") },
		want: []string{"no BuildKit builder answers at unix://", "docker buildx create --name berth --driver docker-container --bootstrap"},
	}, {
		name: "one of two services fails",
		files: map[string]string{
			"compose.yaml": "services:\n  api:\n    build:\n      context: ./api\n      args: {BASE: " + base + "}\n" +
				"  web:\n    build:\n      context: ./web\n      args: {BASE: " + base + "}\n",
			"api/Dockerfile": okDockerfile,
			"web/Dockerfile": "ARG BASE\nFROM ${BASE}\nRUN false\n",
		},
		want: []string{"services.web.build: service web: building failed at ", "Dockerfile:3: RUN false"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := project(ctx, t, tc.files)
			var progress bytes.Buffer
			o := opts(env, &progress)
			if tc.opts != nil {
				tc.opts(&o)
			}
			before := env.Writes()
			imgs, err := build.Build(ctx, app, o)
			if err == nil {
				t.Fatalf("no error; images %+v", imgs)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tc.absent != "" && (strings.Contains(err.Error(), tc.absent) || strings.Contains(progress.String(), tc.absent)) {
				t.Errorf("the error or the progress shows %q: %v\n%s", tc.absent, err, progress.String())
			}
			if tc.logWant != "" && !strings.Contains(progress.String(), tc.logWant) {
				t.Errorf("progress does not show the step's log line %q:\n%s", tc.logWant, progress.String())
			}
			if n := env.Writes() - before; n != 0 {
				t.Errorf("%d writes reached the registry after a failure", n)
			}
			repos, err2 := env.Catalog(ctx)
			if err2 != nil {
				t.Fatal(err2)
			}
			if i := slices.IndexFunc(repos, func(r string) bool { return strings.HasPrefix(r, "shop/") }); i >= 0 {
				t.Errorf("registry holds %s after a failure", repos[i])
			}
			t.Logf("error: %v", err)
		})
	}
}
