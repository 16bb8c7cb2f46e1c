package convert

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// fix is a known-image adjustment Compose does not need but Kubernetes does.
type fix struct {
	// Images are repositories (as knownImages keys) the fix applies to.
	Images []string
	// DataDir: the fix applies when a named volume is mounted exactly at a path it accepts.
	DataDir func(target string) bool
	// Env is set when the input does not set it, to Sub below the mount.
	Env, Sub string
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
		DataDir: postgresDataDir,
		Env:     "PGDATA", Sub: "pgdata",
		Why: "PGDATA moved to a subdirectory of the volume: a fresh PersistentVolume's root holds lost+found, " +
			"and initdb refuses a non-empty directory",
	}}
}

// postgresDataDir reports whether target is the postgres image's PGDATA: /var/lib/postgresql/data
// before PostgreSQL 18, /var/lib/postgresql/<major>/docker from 18 on (docuseal mounts
// ./pg_data there).
func postgresDataDir(target string) bool {
	if target == "/var/lib/postgresql/data" {
		return true
	}
	major, ok := strings.CutPrefix(target, "/var/lib/postgresql/")
	major, ok2 := strings.CutSuffix(major, "/docker")
	_, err := strconv.Atoi(major)
	return ok && ok2 && err == nil
}

// fixes applies the seed fixes that match the container.
func (b *builder) fixes(p *pod, x *ctr) {
	repos := []string{parseImage(x.M.Image).Repo}
	if x.M.Build != nil && x.M.Build.BaseImage != "" {
		repos = append(repos, parseImage(x.M.Build.BaseImage).Repo) // a custom image built FROM postgres
	}
	for _, f := range seedFixes() {
		if !slices.ContainsFunc(repos, func(r string) bool { return matchesImage(r, f.Images) }) || hasEnv(x.M, f.Env) {
			continue
		}
		for _, m := range x.M.Mounts {
			if t := path.Clean(m.Target); m.Type == model.MountVolume && f.DataDir(t) {
				env := corev1.EnvVar{Name: f.Env, Value: path.Join(t, f.Sub)}
				x.K.Env = append(x.K.Env, env)
				b.ledger.Infof(p.svc.Name, m.Field, "%s=%s set on %s: %s", env.Name, env.Value, p.ctarget(x, "env"), f.Why)
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
