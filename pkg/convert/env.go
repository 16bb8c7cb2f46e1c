package convert

import (
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
)

// env.go turns each container's environment into ConfigMaps and Secrets consumed via envFrom.
//
// The unit is one container's environment (an "owner": <service>, or <service>-<container> for
// ECS sidecars). Objects are named after where the variables come from, never after who shares
// them, so that adding a variable to one service never renames another's objects: the
// variables of an env_file that two or more owners read (and none of them overrides) go to one
// object named after the file, <app>-<file>-env (<app>-<file>-secret-env for its secret ones);
// every other variable to the owner's own <owner>-env ConfigMap or <owner>-secret-env Secret.
// envFrom of a file's object never gives a container a variable it did not have in the input:
// every owner that reads the file has all of them.
//
// Values reach the container through envFrom or valueFrom, which Kubernetes does not expand, so
// a literal "$(X)" in a value stays literal (as in Compose, whose values are already
// interpolated). Literal values written into env[].value must go through escapeExpansion.

// envPlan is the partition of every owner's environment into shared and own objects.
type envPlan struct {
	// groups maps a pair (pairID) that is shared to its group.
	groups map[string]*envGroup
	// shared lists the groups in name order.
	shared []*envGroup
}

// envGroup is one shared ConfigMap or Secret: the variables of one env file that every owner
// reading it takes from it alike.
type envGroup struct {
	name   string
	secret bool
	// file is the env file the variables come from.
	file string
	data map[string]string
	// fields are the input fields the group's pairs came from (for the ledger).
	fields []string
}

// pairID identifies an env pair with its source file and secrecy.
func pairID(file, name, value string, secret bool) string {
	return strconv.FormatBool(secret) + "\x00" + file + "\x00" + name + "\x00" + value
}

// envEligible reports whether e becomes a ConfigMap/Secret entry.
func envEligible(e model.EnvVar) bool { return !e.Unset && e.From == nil }

// planEnv finds the env files two or more owners read and, of each, the variables every one of
// them takes from it with the same value and secrecy, or overrides in environment (its own
// object comes after the file's in envFrom, so the override wins as in Compose). A variable
// some reader takes from another file, or with another secrecy, stays in the owners' own
// objects. Services are sorted and containers ordered, so the plan is deterministic.
func (b *builder) planEnv() *envPlan {
	readers := map[string][]string{}         // file -> owners that take some variable from it
	pairs := map[string]map[string]int{}     // file -> pairID -> owners taking exactly that pair from it
	overrides := map[string]map[string]int{} // file -> name -> readers that set it in environment
	for _, svc := range b.app.Services {
		for i := range svc.Containers {
			owner := b.ownerName(svc, i)
			var files, own []string
			for _, e := range b.containerEnvOf(svc, i) {
				if !envEligible(e) || !validKey(e.Name) {
					continue
				}
				if e.File == "" {
					own = append(own, e.Name)
					continue
				}
				if !slices.Contains(files, e.File) {
					files = append(files, e.File)
					readers[e.File] = append(readers[e.File], owner)
				}
				secret, _ := b.envSecret(svc, e)
				if pairs[e.File] == nil {
					pairs[e.File] = map[string]int{}
				}
				pairs[e.File][pairID(e.File, e.Name, e.Value, secret)]++
			}
			for _, f := range files {
				if overrides[f] == nil {
					overrides[f] = map[string]int{}
				}
				for _, n := range own {
					overrides[f][n]++
				}
			}
		}
	}
	plan := &envPlan{groups: map[string]*envGroup{}}
	byKey := map[string]*envGroup{}
	for _, file := range sortedKeys(readers) {
		if len(readers[file]) < 2 {
			continue
		}
		for _, id := range sortedKeys(pairs[file]) {
			secret, rest, _ := strings.Cut(id, "\x00")
			_, rest, _ = strings.Cut(rest, "\x00")
			name, value, _ := strings.Cut(rest, "\x00")
			if pairs[file][id]+overrides[file][name] != len(readers[file]) {
				continue // some reader takes it from another file, or with another secrecy
			}
			key := secret + "\x00" + file
			g := byKey[key]
			if g == nil {
				g = &envGroup{secret: secret == "true", file: file, data: map[string]string{}}
				byKey[key] = g
				plan.shared = append(plan.shared, g)
			}
			g.data[name] = value
			plan.groups[id] = g
		}
	}
	b.nameGroups(plan.shared)
	return plan
}

// nameGroups names the shared objects after their env file: <app>-<file>-env and
// <app>-<file>-secret-env, <file> being the file's name without leading dots and without a
// .env extension, as a DNS label (common.env → common, .env.production → env-production;
// .env alone → dotenv). Files of the same name in different directories get -2, -3, ... in
// path order.
func (b *builder) nameGroups(groups []*envGroup) {
	app := dnsLabel(b.app.Name, maxName, "app")
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].file != groups[j].file {
			return groups[i].file < groups[j].file
		}
		return !groups[i].secret && groups[j].secret
	})
	for _, g := range groups {
		kind, suffix := "ConfigMap", "-env"
		if g.secret {
			kind, suffix = "Secret", "-secret-env"
		}
		stem := envFileStem(g.file)
		if room := maxLabel - len(app) - 1 - len(suffix); len(stem) > room {
			stem = strings.TrimRight(stem[:max(0, room)], "-")
		}
		g.name = b.cfg.allocate(kind, app+"-"+stem+suffix)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].name < groups[j].name })
}

// envFileStem is the name part of env file f's objects.
func envFileStem(f string) string {
	base := strings.TrimLeft(filepath.Base(f), ".")
	if base == "env" {
		return "dotenv"
	}
	return dnsLabel(strings.TrimSuffix(base, ".env"), maxLabel, "dotenv")
}

// envEntry is one variable of a container, placed.
type envEntry struct {
	e      model.EnvVar
	secret bool
	group  *envGroup // shared group, or nil for the container's own object
	key    string    // key in the own object
	why    string    // the rule that decided the secrecy ("" when none fired)
}

// envSplit is one container's environment, placed.
type envSplit struct {
	plain, secret map[string]string
	// shared are the shared groups the container uses.
	shared map[*envGroup]bool
	// secretByKey: the own Secret is read key by key (some key had to be sanitized).
	secretByKey bool
	entries     []envEntry
}

// containerEnv fills the container's envFrom (and env for what envFrom cannot carry) from its
// model environment, emitting the container's own ConfigMap and Secret.
//
// A variable whose name is not a valid object key cannot come through envFrom: a plain one is
// written into env[].value (escaped), a secret one is stored under a sanitized key, and then
// the container's own Secret is read key by key instead of through envFrom, so that no
// sanitized key leaks into the environment.
func (b *builder) containerEnv(p *pod, c *ctr) error {
	owner := b.ownerName(p.svc, containerIndex(p.svc, c.M))
	sp := b.splitEnv(p, c)
	from := b.envFiles(p, c, owner)
	groups := make([]*envGroup, 0, len(sp.shared))
	for g := range sp.shared {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].name < groups[j].name })
	for _, g := range groups {
		from = append(from, envFromSource(g.name, g.secret))
	}
	cmName, err := b.ownEnvObject(p, c, owner+"-env", sp.plain, false)
	if err != nil {
		return err
	}
	if cmName != "" {
		from = append(from, envFromSource(cmName, false))
	}
	secName, err := b.ownEnvObject(p, c, owner+"-secret-env", sp.secret, true)
	if err != nil {
		return err
	}
	if secName != "" && !sp.secretByKey {
		from = append(from, envFromSource(secName, true))
	}
	c.K.EnvFrom = append(c.K.EnvFrom, from...)
	b.providerEnv(p, c)
	for _, en := range sp.entries {
		b.placeEnv(p, c, en, owner, cmName, secName, sp.secretByKey)
	}
	return nil
}

// splitEnv places each variable of the container: shared group, own ConfigMap or Secret (under
// which key), or a direct env entry. Unset variables are dropped with a warning.
func (b *builder) splitEnv(p *pod, c *ctr) *envSplit {
	st := b.config()
	sp := &envSplit{plain: map[string]string{}, secret: map[string]string{}, shared: map[*envGroup]bool{}}
	for _, e := range b.containerEnvOf(p.svc, containerIndex(p.svc, c.M)) {
		if e.Unset {
			b.unsetEnv(p.svc.Name, e)
			continue
		}
		en := envEntry{e: e}
		if e.From == nil {
			en.secret, en.why = b.envSecret(p.svc, e)
			en.group = st.env.groups[pairID(e.File, e.Name, e.Value, en.secret)]
		}
		switch {
		case en.group != nil:
			sp.shared[en.group] = true
			en.group.fields = append(en.group.fields, e.Field)
		case e.From != nil:
		case en.secret:
			en.key = ownKey(e.Name, sp.secret, c.M.Env)
			sp.secret[en.key] = e.Value
			sp.secretByKey = sp.secretByKey || en.key != e.Name
		case validKey(e.Name):
			en.key = e.Name
			sp.plain[en.key] = e.Value
		}
		sp.entries = append(sp.entries, en)
	}
	return sp
}

// envSection is the container's field of a variable's field: services.web of
// services.web.environment.FOO or services.web.env_file.
func envSection(field string) string {
	if i := strings.LastIndex(field, ".environment."); i >= 0 {
		return field[:i]
	}
	return strings.TrimSuffix(field, ".env_file")
}

// unsetEnv accounts a variable declared without a value as dropped, warning unless the loader
// already did for the same field or, listing several, for the service's environment.
func (b *builder) unsetEnv(svc string, e model.EnvVar) {
	reason := "variable " + e.Name + " is declared without a value and has none in the environment berth ran in, " +
		"so it is not set; give it a value (environment, .env or --env-file)"
	st := b.config()
	if st.warned == nil {
		st.warned = map[string]bool{}
		for _, d := range b.app.Diagnostics {
			if d.Severity == diag.Warning {
				st.warned[d.Field] = true
			}
		}
	}
	if st.warned[e.Field] || st.warned[envSection(e.Field)+".environment"] || st.warned[envSection(e.Field)+".env_file"] {
		b.ledger.Record(diag.Entry{Service: svc, Field: e.Field, Outcome: diag.Dropped, Reason: reason})
		return
	}
	b.ledger.Dropped(svc, e.Field, reason)
}

// ownEnvObject emits the container's own ConfigMap or Secret named (about) name holding data,
// and returns its name; "" when data is empty.
func (b *builder) ownEnvObject(p *pod, c *ctr, name string, data map[string]string, secret bool) (string, error) {
	if len(data) == 0 {
		return "", nil
	}
	kind := "ConfigMap"
	if secret {
		kind = "Secret"
	}
	name = b.config().allocate(kind, name)
	if err := b.checkSize(p.svc.Name, c.M.Field, kind, name, mapSize(data)); err != nil {
		return "", err
	}
	if secret {
		b.emit(b.secret(name, p.Name, toBytes(data)))
	} else {
		b.emit(b.configMap(name, p.Name, data, nil))
	}
	return name, nil
}

// placeEnv accounts one placed variable and adds an env entry for it when envFrom does not
// carry it.
func (b *builder) placeEnv(p *pod, c *ctr, en envEntry, owner, cmName, secName string, secretByKey bool) {
	e := en.e
	envTarget := func() string { return p.ctarget(c, "env["+strconv.Itoa(len(c.K.Env)-1)+"]") }
	switch {
	case e.From != nil:
		name, key := externalEnvSecret(owner), dataKey(e.Name)
		c.K.Env = append(c.K.Env, keyRef(e.Name, name, key, true))
		b.externalEnv(p, e, name, key, envTarget())
	case en.group != nil:
		kind := "ConfigMap"
		if en.secret {
			kind = "Secret"
		}
		b.mappedEnv(p.svc.Name, en, kind+"/"+en.group.name+" data."+e.Name, p.ctarget(c, "envFrom"))
	case en.secret && secretByKey:
		c.K.Env = append(c.K.Env, keyRef(e.Name, secName, en.key, true))
		b.mappedEnv(p.svc.Name, en, "Secret/"+secName+" data."+en.key, envTarget())
	case en.secret:
		b.mappedEnv(p.svc.Name, en, "Secret/"+secName+" data."+en.key, p.ctarget(c, "envFrom"))
	case en.key == "":
		c.K.Env = append(c.K.Env, corev1.EnvVar{Name: e.Name, Value: escapeExpansion(e.Value)})
		b.mappedEnv(p.svc.Name, en, envTarget())
	default:
		b.mappedEnv(p.svc.Name, en, "ConfigMap/"+cmName+" data."+en.key, p.ctarget(c, "envFrom"))
	}
}

// mappedEnv accounts a placed variable, with the rule that decided its secrecy as the reason
// when one fired (never the value).
func (b *builder) mappedEnv(svc string, en envEntry, targets ...string) {
	if r := b.envRenamed[en.e.Field]; r != "" {
		b.ledger.Partial(svc, en.e.Field, r, targets...)
		return
	}
	if en.why == "" {
		b.ledger.Mapped(svc, en.e.Field, targets...)
		return
	}
	what := "plain: "
	if en.secret {
		what = "secret: "
	}
	b.ledger.Record(diag.Entry{Service: svc, Field: en.e.Field, Outcome: diag.Mapped, Targets: targets, Reason: what + en.why})
}

// envFiles references the container's external environment files (ECS environmentFiles on
// S3, which berth never fetches) through one Secret the user creates. It comes first in
// envFrom, so the input's explicit variables override it, as in ECS.
func (b *builder) envFiles(p *pod, c *ctr, owner string) []corev1.EnvFromSource {
	if len(c.M.EnvFiles) == 0 {
		return nil
	}
	name := owner + "-env-files"
	for _, f := range c.M.EnvFiles {
		b.ledger.Partial(p.svc.Name, f.Field, "environment file "+f.Location+" is not fetched: create Secret "+name+
			" with its variables before the pods start (kubectl create secret generic "+name+" --from-env-file=FILE)",
			"Secret/"+name, p.ctarget(c, "envFrom[0]"))
	}
	return []corev1.EnvFromSource{envFromSource(name, true)}
}

// ownKey is the key of variable name in an own object: the name itself when it is a valid
// key, else a sanitized key that collides with no other variable of the container.
func ownKey(name string, store map[string]string, env []model.EnvVar) string {
	if validKey(name) {
		return name
	}
	base := dataKey(name)
	key := base
	for i := 2; ; i++ {
		if _, taken := store[key]; !taken && !hasKey(env, key) {
			return key
		}
		key = base + "_" + strconv.Itoa(i)
	}
}

// externalEnvSecret names the Secret holding an owner's externally stored variables.
func externalEnvSecret(owner string) string { return owner + "-external-env" }

func hasKey(env []model.EnvVar, name string) bool {
	for _, e := range env {
		if e.Name == name {
			return true
		}
	}
	return false
}

// keyRef is an env entry reading key of a ConfigMap or Secret.
func keyRef(name, obj, key string, secret bool) corev1.EnvVar {
	ref := corev1.LocalObjectReference{Name: obj}
	if secret {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref, Key: key}}}
	}
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{
		ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref, Key: key}}}
}

func envFromSource(name string, secret bool) corev1.EnvFromSource {
	ref := corev1.LocalObjectReference{Name: name}
	if secret {
		return corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: ref}}
	}
	return corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref}}
}

// envObjects emits the shared ConfigMaps and Secrets.
func (b *builder) envObjects() error {
	for _, g := range b.config().env.shared {
		size := mapSize(g.data)
		if g.secret {
			if err := b.checkSize("", firstField(g.fields), "Secret", g.name, size); err != nil {
				return err
			}
			b.emit(b.secret(g.name, "", toBytes(g.data)))
			continue
		}
		if err := b.checkSize("", firstField(g.fields), "ConfigMap", g.name, size); err != nil {
			return err
		}
		b.emit(b.configMap(g.name, "", g.data, nil))
	}
	return nil
}

func firstField(fs []string) string {
	if len(fs) == 0 {
		return ""
	}
	return fs[0]
}

func mapSize(m map[string]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

func toBytes(m map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

// escapeExpansion escapes s for a Kubernetes field that expands $(VAR) references (env[].value,
// command, args), so the container sees s literally: every '$' that would start a reference or
// an escape ("$(" or "$$") is doubled, and so is every '$' before a non-ASCII byte: kubelets
// before 1.34 copy "$" and the one byte after it as string(byte), which re-encodes that byte as
// a Latin-1 character ("$€" reached the container as "$â\x82\xac"), and 1.34+ turn a '$'
// before invalid UTF-8 into "$\uFFFD"; after "$$" every kubelet copies the bytes unchanged.
func escapeExpansion(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '(' || s[i+1] == '$' || s[i+1] >= utf8.RuneSelf) {
			sb.WriteString("$$")
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}
