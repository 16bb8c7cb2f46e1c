package build

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/util/grpcerrors"
)

// solveError names the service, the field and, for a failing Dockerfile instruction, the
// Dockerfile line; tail (stepLogs.tail) adds the failing step's last output lines.
func (j *job) solveError(err error, push bool, tail string) error {
	what := "building"
	if push {
		what = "building and pushing " + j.ref
	}
	msg := grpcerrors.FromGRPC(err).Error()
	if strings.Contains(msg, "401 Unauthorized") || strings.Contains(msg, "403 Forbidden") {
		msg += " (the registry refused the credentials: berth reads them from the docker config and its credential helpers; check `docker login` for that registry)"
	}
	if foreign := j.foreignPlatforms(); len(foreign) > 0 && strings.Contains(msg, "did not complete successfully") {
		msg += fmt.Sprintf(" (%s %s: the builder runs programs of %s only; a RUN step for another platform "+
			"needs QEMU registered on the builder's host (docker run --privileged --rm tonistiigi/binfmt --install all) or a builder of that platform)",
			j.platformFrom, strings.Join(foreign, ","), strings.Join(j.builderRuns, ", "))
	}
	var where []string
	for _, s := range errdefs.Sources(err) {
		if s.Info == nil || len(s.Ranges) == 0 || s.Ranges[0].Start == nil {
			continue
		}
		line := int(s.Ranges[0].Start.Line)
		lines := strings.Split(string(s.Info.Data), "\n")
		text := ""
		if line >= 1 && line <= len(lines) {
			text = strings.TrimSpace(lines[line-1])
		}
		name := s.Info.Filename
		if name == "" || j.dockerfile == "inline" {
			name = "dockerfile_inline"
		} else if j.dockerfile != "" {
			name = j.dockerfile
		}
		where = append(where, fmt.Sprintf("%s:%d: %s", name, line, text))
	}
	field := j.build.Field
	if len(where) > 0 {
		return fmt.Errorf("%s: service %s: %s failed at %s: %w", field, j.service, what, strings.Join(where, "; "), plain(msg+tail))
	}
	return fmt.Errorf("%s: service %s: %s failed: %w", field, j.service, what, plain(msg+tail))
}

// plainError carries the builder's message without its gRPC wrapping.
type plainError string

func (e plainError) Error() string { return string(e) }

func plain(msg string) error {
	msg = strings.TrimPrefix(msg, "rpc error: code = Unknown desc = ")
	return plainError(msg)
}

// foreignPlatforms are the requested platforms the builder runs no programs of.
func (j *job) foreignPlatforms() []string {
	var out []string
	for _, p := range strings.Split(j.attrs["platform"], ",") {
		if p == "" {
			continue
		}
		parts := strings.SplitN(p, "/", 3) // os/arch[/variant]
		if len(parts) >= 2 && !slices.Contains(j.builderRuns, parts[0]+"/"+parts[1]) {
			out = append(out, p)
		}
	}
	return out
}
