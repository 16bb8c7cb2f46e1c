package plan

import (
	"path"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// Data engines the runbook knows how to dump and restore.
const (
	engPostgres = "postgres"
	engMySQL    = "mysql"
	engRedis    = "redis"
	engMongo    = "mongo"
	engFiles    = "files"
)

// stateful is a service whose data lives in a persistent volume.
type stateful struct {
	svc      *model.Service
	engine   string
	workload string // kind/name in the cluster, lower-case kind for kubectl
	mounts   []model.Mount
	db, user string
	// dbVar and userVar name the variables db and user come from when their values are
	// secret (in a Secret's data): the commands then read them in the container ("$VAR")
	// instead of writing them out.
	dbVar, userVar string
}

// statefulServices lists the services that mount a named volume, sorted by name.
func statefulServices(app *model.App, objs []convert.Object) []stateful {
	workloads := map[string]string{}
	for _, o := range objs {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		switch kind {
		case "StatefulSet", "Deployment", "DaemonSet":
			if svc := o.GetLabels()[convert.LabelName]; svc != "" {
				workloads[svc] = strings.ToLower(kind) + "/" + o.GetName()
			}
		}
	}
	secret := secretValues(objs)
	var out []stateful
	for _, svc := range app.Services {
		if len(svc.Containers) == 0 {
			continue
		}
		var mounts []model.Mount
		for _, m := range svc.Main().Mounts {
			if m.Type != model.MountVolume {
				continue
			}
			if v := app.Volume(m.Source); v != nil && v.Scratch {
				continue
			}
			mounts = append(mounts, m)
		}
		if len(mounts) == 0 {
			continue
		}
		s := stateful{svc: svc, engine: engineOf(svc.Main().Image), workload: workloads[svc.Name], mounts: mounts}
		if s.workload == "" {
			s.workload = "deployment/" + svc.Name
		}
		s.db, s.user, s.dbVar, s.userVar = names(s.engine, svc.Main().Env, secret)
		out = append(out, s)
	}
	return out
}

// engineOf guesses the data engine from the image's repository name.
func engineOf(image string) string {
	repo := image
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	base := path.Base(repo)
	switch {
	case strings.HasPrefix(base, "postgres"), strings.HasPrefix(base, "postgis"), strings.HasPrefix(base, "timescaledb"):
		return engPostgres
	case strings.HasPrefix(base, "mysql"), strings.HasPrefix(base, "mariadb"), strings.HasPrefix(base, "percona"):
		return engMySQL
	case strings.HasPrefix(base, "redis"), strings.HasPrefix(base, "valkey"), strings.HasPrefix(base, "keydb"):
		return engRedis
	case strings.HasPrefix(base, "mongo"):
		return engMongo
	}
	return engFiles
}

// names reads the database and user names the official images take from the environment.
// Values of secret variables are never used.
func names(engine string, env []model.EnvVar, secret map[string]bool) (db, user, dbVar, userVar string) {
	get := func(keys ...string) (string, string) {
		for _, k := range keys {
			for _, e := range env {
				if e.Name == k && e.From == nil && !e.Unset {
					if e.Secret || secret[e.Value] {
						return e.Value, e.Name
					}
					return e.Value, ""
				}
			}
		}
		return "", ""
	}
	switch engine {
	case engPostgres:
		user, userVar = get("POSTGRES_USER")
		if user == "" {
			user = "postgres"
		}
		db, dbVar = get("POSTGRES_DB")
		if db == "" {
			db, dbVar = user, userVar
		}
	case engMySQL:
		db, dbVar = get("MYSQL_DATABASE", "MARIADB_DATABASE")
	case engMongo:
		db, dbVar = get("MONGO_INITDB_DATABASE")
	}
	return db, user, dbVar, userVar
}

// secretValues are the values in the Secrets among objs (at least 4 bytes, as the report's
// redactor counts them): a database or user name equal to one is read from its variable.
func secretValues(objs []convert.Object) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		if s, ok := o.(*corev1.Secret); ok {
			for _, v := range s.Data {
				if len(v) >= 4 {
					out[string(v)] = true
				}
			}
			for _, v := range s.StringData {
				if len(v) >= 4 {
					out[v] = true
				}
			}
		}
	}
	return out
}

// word is how a command names value: "$VAR" (expanded by a shell in the container) when it is
// secret, else the value quoted.
func word(value, envVar string) string {
	if envVar != "" {
		return `"$` + envVar + `"`
	}
	return quote(value)
}
