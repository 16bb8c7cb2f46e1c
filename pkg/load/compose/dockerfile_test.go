package compose

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

// TestDockerfilePorts: a service with only a build section listens on what its Dockerfile
// EXPOSEs: the target stage (or the last), inherited from earlier stages, with ARG defaults,
// build.args and ENV (several variables in one ENV; ENV --unset removes one) expanded; declared ports win; a Dockerfile
// outside the project is not read. Without a Dockerfile, a Traefik routing label names the port.
func TestDockerfilePorts(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	write(t, filepath.Join(dir, "api", "Dockerfile"), `# syntax=docker/dockerfile:1
ARG BASE=golang:1.22
FROM ${BASE} AS build
ENV MODE=prod HTTP_PORT=8000
EXPOSE $HTTP_PORT 9090/udp
FROM build AS test
EXPOSE 7000
FROM scratch AS final
ARG METRICS=9100
EXPOSE 8080 \
  ${METRICS}
`)
	write(t, filepath.Join(dir, "web", "Containerfile"), "FROM nginx:1.27\nEXPOSE 3000-3001\n")
	write(t, filepath.Join(dir, "unset", "Dockerfile"), "FROM alpine AS base\nENV PORT=8000 OTHER=1\nFROM base\nENV --unset PORT\nEXPOSE ${PORT:-7100} ${OTHER}\n")
	write(t, filepath.Join(root, "Dockerfile"), "FROM busybox\nEXPOSE 4444\n")
	write(t, filepath.Join(dir, "compose.yaml"), `services:
  api:
    build: ./api
  api-args:
    build: {context: ./api, args: {METRICS: "9200"}}
  api-test:
    build: {context: ./api, target: test}
  web:
    build: {context: ./web, dockerfile: Containerfile}
  unset:
    build: ./unset
  declared:
    build: ./api
    expose: ["5000"]
  inline:
    build: {context: ., dockerfile_inline: "FROM alpine\nEXPOSE 6000\n"}
  outside:
    build: {context: ., dockerfile: ../Dockerfile}
  missing:
    build: ./nowhere
  proxied:
    build: ./nowhere
    labels: ["traefik.enable=true", "traefik.http.services.go.loadbalancer.server.port=80", "traefik.http.services.b.loadbalancer.server.port=81"]
`)
	app, err := Load(context.Background(), Options{WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, dir, app)
	got := map[string][]string{}
	for _, s := range app.Services {
		for _, p := range s.Main().Ports {
			got[s.Name] = append(got[s.Name], string(p.Source)+" "+string(p.Protocol)+" "+strconv.Itoa(int(p.Target)))
		}
	}
	df := string(model.FromDockerfile)
	want := map[string][]string{
		"api":      {df + " TCP 8080", df + " TCP 9100"},
		"api-args": {df + " TCP 8080", df + " TCP 9200"},
		"api-test": {df + " TCP 8000", df + " UDP 9090", df + " TCP 7000"},
		"web":      {df + " TCP 3000", df + " TCP 3001"},
		"unset":    {df + " TCP 7100", df + " TCP 1"},
		"declared": {"expose TCP 5000"},
		"inline":   {df + " TCP 6000"},
		"proxied":  {"proxy label TCP 81", "proxy label TCP 80"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}
	// The image each built stage starts from, through earlier stages and ARGs, whether the
	// service declares ports or not.
	bases := map[string]string{}
	for _, s := range app.Services {
		if b := s.Main().Build; b != nil && b.BaseImage != "" {
			bases[s.Name] = b.BaseImage
		}
	}
	wantBases := map[string]string{
		"api": "scratch", "api-args": "scratch", "api-test": "golang:1.22", "web": "nginx:1.27",
		"unset": "alpine", "declared": "scratch", "inline": "alpine",
	}
	if diff := cmp.Diff(wantBases, bases); diff != "" {
		t.Errorf("base images (-want +got):\n%s", diff)
	}
}
