package convert

import (
	"path"
	"slices"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// fix is a known-image adjustment Compose does not need but Kubernetes does.
type fix struct {
	// Images are repositories (as knownImages keys) the fix applies to.
	Images []string
	// DataDir: the fix applies when a named volume is mounted exactly here.
	DataDir string
	// Env is set when the input does not set it.
	Env corev1.EnvVar
	// Why is the report's explanation.
	Why string
}

// seedFixes is the one table of known-image fixes.
//
// Left out on purpose: elasticsearch discovery.type=single-node (a Compose file that works
// already configures discovery; guessing would hide a multi-node intent), MySQL/MariaDB
// (their entrypoints tolerate lost+found in recent versions).
func seedFixes() []fix {
	return []fix{{
		Images:  []string{"postgres", "postgis/postgis", "timescaledb", "pgvector"},
		DataDir: "/var/lib/postgresql/data",
		Env:     corev1.EnvVar{Name: "PGDATA", Value: "/var/lib/postgresql/data/pgdata"},
		Why: "PGDATA moved to a subdirectory of the volume: a fresh PersistentVolume's root holds lost+found, " +
			"and initdb refuses a non-empty directory",
	}}
}

// fixes applies the seed fixes that match the container.
func (b *builder) fixes(p *pod, x *ctr) {
	repos := []string{parseImage(x.M.Image).Repo}
	if x.M.Build != nil && x.M.Build.BaseImage != "" {
		repos = append(repos, parseImage(x.M.Build.BaseImage).Repo) // a custom image built FROM postgres
	}
	for _, f := range seedFixes() {
		if !slices.ContainsFunc(repos, func(r string) bool { return matchesImage(r, f.Images) }) || hasEnv(x.M, f.Env.Name) {
			continue
		}
		for _, m := range x.M.Mounts {
			if m.Type == model.MountVolume && path.Clean(m.Target) == f.DataDir {
				x.K.Env = append(x.K.Env, f.Env)
				b.ledger.Infof(p.svc.Name, m.Field, "%s=%s set on %s: %s", f.Env.Name, f.Env.Value, p.ctarget(x, "env"), f.Why)
				break
			}
		}
	}
}

// matchesImage reports whether repo (or its last segment) is one of images.
func matchesImage(repo string, images []string) bool {
	last := path.Base(repo)
	for _, i := range images {
		if repo == i || last == i {
			return true
		}
	}
	return false
}

// hasEnv reports whether the input sets variable name on c.
func hasEnv(c *model.Container, name string) bool {
	for _, e := range c.Env {
		if e.Name == name && !e.Unset {
			return true
		}
	}
	return false
}
