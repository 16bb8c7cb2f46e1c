package data

import (
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Facts is where an app's persistent data lives.
type Facts struct {
	// Stores are the data-store services that keep data in a volume, sorted by service:
	// each is dumped once, logically, with its own tool.
	Stores []Store
	// Volumes are the persistent named volumes, sorted by name.
	Volumes []Volume
}

// Store is a data-store service.
type Store struct {
	Service string
	Engine  Engine
	// Workload is the converted workload, kind/name with a lower-case kind (as kubectl takes it).
	Workload string
	// Container is the converted container that runs the store.
	Container string
	// DB and User are the database and user the official image creates; DBVar and UserVar
	// name the variables they come from when their values are secret: commands then read the
	// variable in the container instead of writing the value out.
	DB, User, DBVar, UserVar string
	// PasswordVar is the variable of the converted container that holds the password the
	// store's clients need (Redis requirepass), "" when it has none or berth cannot tell.
	PasswordVar string
	// PasswordVarOld says whether PasswordVar is set in the old container too (Compose
	// environment), so a dump on the old side can read it there.
	PasswordVarOld bool
	// AppendOnly: a Redis with appendonly yes (it loads its AOF, not an RDB, at start).
	AppendOnly bool
	// Volumes are the volumes the logical dump covers.
	Volumes []string
}

// Volume is one persistent named volume.
type Volume struct {
	Name string
	// Claim is the PersistentVolumeClaim's name in the cluster (for a StatefulSet's claim
	// template, the claim of its pod 0).
	Claim string
	// StatefulSet is set when the claim comes from that StatefulSet's volumeClaimTemplates
	// (Template names the template).
	StatefulSet, Template string
	// External: the claim exists outside the app (external: true); berth does not create it.
	External bool
	// EngineName is the name the old side's container engine gives the volume (Compose:
	// <project>_<name> or its name:), "" when unknown.
	EngineName string
	// Mounts are where services mount it, sorted by service.
	Mounts []Mount
	// Store is the data-store service whose logical dump covers the volume, "" when it is
	// copied as files.
	Store string
}

// Mount is one service mounting a volume.
type Mount struct {
	Service  string
	Target   string
	ReadOnly bool
	Workload string // kind/name, lower-case kind
}

// Writers are the services that mount v read-write.
func (v Volume) Writers() []string {
	var out []string
	for _, m := range v.Mounts {
		if !m.ReadOnly && (len(out) == 0 || out[len(out)-1] != m.Service) {
			out = append(out, m.Service)
		}
	}
	return out
}

// Services are the services that mount v.
func (v Volume) Services() []string {
	var out []string
	for _, m := range v.Mounts {
		if len(out) == 0 || out[len(out)-1] != m.Service {
			out = append(out, m.Service)
		}
	}
	return out
}

// Store returns the store of service svc, or nil.
func (f *Facts) Store(svc string) *Store {
	if i := slices.IndexFunc(f.Stores, func(s Store) bool { return s.Service == svc }); i >= 0 {
		return &f.Stores[i]
	}
	return nil
}

// Volume returns the volume named name, or nil.
func (f *Facts) Volume(name string) *Volume {
	if i := slices.IndexFunc(f.Volumes, func(v Volume) bool { return v.Name == name }); i >= 0 {
		return &f.Volumes[i]
	}
	return nil
}

// Analyze finds the stores and persistent volumes of app, converted into objs.
func Analyze(app *model.App, objs []convert.Object) Facts {
	wl := workloads(objs)
	objName := convert.ObjectNames(app) // app_db's workload is app-db
	secret := secretValues(objs)
	var f Facts
	vols := map[string]*Volume{}
	for _, v := range app.Volumes {
		if v.Scratch || v.Cache || v.HostPath != "" {
			continue
		}
		vols[v.Name] = &Volume{Name: v.Name, External: v.External, EngineName: v.EngineName}
	}
	for _, svc := range app.Services {
		w := wl[objName[svc.Name]]
		for ci, c := range svc.Containers {
			pgdata := envValue(c.Env, "PGDATA")
			engine := Files
			if ci == 0 {
				engine = EngineOf(c.Image)
			}
			var covered []string
			for _, m := range c.Mounts {
				v := vols[m.Source]
				if m.Type != model.MountVolume || v == nil {
					continue
				}
				v.Mounts = append(v.Mounts, Mount{Service: svc.Name, Target: m.Target, ReadOnly: m.ReadOnly, Workload: w.ref()})
				if v.Claim == "" && w.obj != nil {
					v.Claim, v.StatefulSet, v.Template = claimOf(w.obj, m.Target)
				}
				if engine != Files && engine.covers(m.Target, pgdata) && v.Store == "" {
					v.Store = svc.Name
					covered = append(covered, v.Name)
				}
			}
			if len(covered) == 0 {
				continue
			}
			s := Store{Service: svc.Name, Engine: engine, Workload: w.ref(), Container: w.container(), Volumes: covered}
			s.DB, s.User, s.DBVar, s.UserVar = names(engine, c.Env, secret)
			if engine == Redis {
				s.PasswordVar, s.AppendOnly = redisAuth(w.obj, c)
				s.PasswordVarOld = s.PasswordVar != "" && envValue(c.Env, s.PasswordVar) != ""
			}
			f.Stores = append(f.Stores, s)
		}
	}
	for _, v := range vols {
		if v.Claim == "" {
			v.Claim = v.Name
		}
		sort.SliceStable(v.Mounts, func(i, j int) bool { return v.Mounts[i].Service < v.Mounts[j].Service })
		f.Volumes = append(f.Volumes, *v)
	}
	sort.Slice(f.Volumes, func(i, j int) bool { return f.Volumes[i].Name < f.Volumes[j].Name })
	sort.SliceStable(f.Stores, func(i, j int) bool { return f.Stores[i].Service < f.Stores[j].Service })
	return f
}

type workload struct{ obj convert.Object }

func (w workload) ref() string {
	if w.obj == nil {
		return ""
	}
	return strings.ToLower(w.obj.GetObjectKind().GroupVersionKind().Kind) + "/" + w.obj.GetName()
}

func (w workload) container() string {
	if ps := convert.PodSpec(w.obj); ps != nil && len(ps.Containers) > 0 {
		return ps.Containers[0].Name
	}
	return ""
}

// workloads maps each service to its long-running workload (else its Job or CronJob).
func workloads(objs []convert.Object) map[string]workload {
	out := map[string]workload{}
	for _, o := range objs {
		svc := o.GetLabels()[convert.LabelName]
		if svc == "" || convert.PodSpec(o) == nil {
			continue
		}
		switch o.(type) {
		case *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet:
			out[svc] = workload{o}
		default:
			if _, ok := out[svc]; !ok {
				out[svc] = workload{o}
			}
		}
	}
	return out
}

// claimOf finds the claim mounted at target in a workload's pod.
func claimOf(o convert.Object, target string) (claim, sts, template string) {
	ps := convert.PodSpec(o)
	for _, c := range ps.Containers {
		for _, vm := range c.VolumeMounts {
			if vm.MountPath != target {
				continue
			}
			for _, v := range ps.Volumes {
				if v.Name == vm.Name && v.PersistentVolumeClaim != nil {
					return v.PersistentVolumeClaim.ClaimName, "", ""
				}
			}
			if s, ok := o.(*appsv1.StatefulSet); ok {
				for _, t := range s.Spec.VolumeClaimTemplates {
					if t.Name == vm.Name {
						return t.Name + "-" + s.Name + "-0", s.Name, t.Name
					}
				}
			}
		}
	}
	return "", "", ""
}

var requirepass = regexp.MustCompile(`--requirepass[= ]+["']?\$[({]?([A-Za-z_][A-Za-z0-9_]*)`)

// redisAuth finds the variable the converted Redis takes its password from (--requirepass
// $(VAR) in its command, or REDIS_PASSWORD, which several images read) and whether it runs
// append-only.
func redisAuth(o convert.Object, c model.Container) (string, bool) {
	words := strings.Join(append(append([]string{}, c.Command...), c.Args...), " ")
	appendOnly := regexp.MustCompile(`--appendonly[= ]+["']?yes`).MatchString(words)
	if ps := convert.PodSpec(o); ps != nil && len(ps.Containers) > 0 {
		k := ps.Containers[0]
		if m := requirepass.FindStringSubmatch(strings.Join(append(append([]string{}, k.Command...), k.Args...), " ")); m != nil {
			return m[1], appendOnly
		}
		if hasEnv(k, "REDIS_PASSWORD") {
			return "REDIS_PASSWORD", appendOnly
		}
	}
	if envValue(c.Env, "REDIS_PASSWORD") != "" {
		return "REDIS_PASSWORD", appendOnly
	}
	return "", appendOnly
}

func hasEnv(c corev1.Container, name string) bool {
	for _, e := range c.Env {
		if e.Name == name {
			return true
		}
	}
	return false
}

func envValue(env []model.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name && !e.Unset {
			return e.Value
		}
	}
	return ""
}

// names reads the database and user names the official images take from the environment.
// Values of secret variables are never used.
func names(engine Engine, env []model.EnvVar, secret map[string]bool) (db, user, dbVar, userVar string) {
	get := func(keys ...string) (string, string) {
		for _, k := range keys {
			for _, e := range env {
				if e.Name == k && e.From == nil && !e.Unset {
					if e.Secret || secret[e.Value] {
						return "", e.Name
					}
					return e.Value, ""
				}
			}
		}
		return "", ""
	}
	switch engine {
	case Postgres:
		user, userVar = get("POSTGRES_USER")
		if user == "" && userVar == "" {
			user = "postgres"
		}
		db, dbVar = get("POSTGRES_DB")
		if db == "" && dbVar == "" {
			db, dbVar = user, userVar
		}
	case MySQL:
		db, dbVar = get("MYSQL_DATABASE", "MARIADB_DATABASE")
	case Mongo:
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
