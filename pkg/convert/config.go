package convert

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// config.go holds the state shared by the config and storage concerns (env.go, files.go,
// volume.go, storage.go): the names of the ConfigMaps, Secrets and claims berth generates, and
// the plan computed once before the first service is built.

// maxObjectData is the most a ConfigMap or Secret may hold (data values, as the apiserver
// counts them).
const maxObjectData = 1 << 20

// configState is the config/storage concern's state for one conversion.
type configState struct {
	// used holds the generated object names per kind, for collision handling.
	used map[string]map[string]bool
	env  *envPlan
	// fileObjs are the Compose top-level secrets and configs, keyed by "secret/<name>" or
	// "config/<name>".
	fileObjs map[string]*fileObj
	claims   *claimPlan
	// pods holds per-pod volume bookkeeping, keyed by the pod being built.
	pods map[*pod]*podVols
	// warned are the fields the loader already warned about (built on first use).
	warned map[string]bool
}

// config returns the conversion's config state, planning it on first use (after the services'
// names are assigned).
func (b *builder) config() *configState {
	if b.cfg != nil {
		return b.cfg
	}
	st := &configState{used: map[string]map[string]bool{}, pods: map[*pod]*podVols{}}
	b.cfg = st
	st.env = b.planEnv()
	st.fileObjs = b.planFileObjects()
	st.claims = b.planClaims()
	return st
}

// appObjects emits the app-level config and storage objects (shared env objects, Compose
// secrets and configs, claims) and accounts the top-level fields.
func (b *builder) appObjects() error {
	if err := b.envObjects(); err != nil {
		return err
	}
	if err := b.fileObjects(); err != nil {
		return err
	}
	return b.claimObjects()
}

// allocate returns name, or name-2, name-3, ... when a generated object of kind already uses it.
func (st *configState) allocate(kind, name string) string {
	used := st.used[kind]
	if used == nil {
		used = map[string]bool{}
		st.used[kind] = used
	}
	return uniqueIn(used, name, maxSubdomain)
}

// maxSubdomain is the longest DNS-1123 subdomain (ConfigMap, Secret and claim names).
const maxSubdomain = 253

// configMap builds a ConfigMap of component (a sanitized service name, or "" for app-level).
func (b *builder) configMap(name, component string, data map[string]string, bin map[string][]byte) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, component),
	}
	if len(data) > 0 {
		cm.Data = data
	}
	if len(bin) > 0 {
		cm.BinaryData = bin
	}
	return cm
}

// secret builds an Opaque Secret. berth writes `data` (base64), never `stringData`: stringData
// is write-only, so every apply or diff would see a change.
func (b *builder) secret(name, component string, data map[string][]byte) *corev1.Secret {
	s := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, component),
		Type:       corev1.SecretTypeOpaque,
	}
	if len(data) > 0 {
		s.Data = data
	}
	return s
}

// checkSize returns an error when an object's data exceeds what the apiserver accepts.
func (b *builder) checkSize(svc, field, kind, name string, size int) error {
	if size <= maxObjectData {
		return nil
	}
	return b.ledger.Errorf(svc, field, "%s %s would hold %s, more than the 1 MiB a %s can hold: "+
		"mount a volume or build the content into the image instead", kind, name, humanBytes(size), kind)
}

// humanBytes renders n like 1.5 MiB (for messages only).
func humanBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}

// dataKey sanitizes s into a ConfigMap/Secret key ([-._a-zA-Z0-9]+, at most 253 characters, not
// "." and not starting with ".."): other characters become '_'.
func dataKey(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if validKeyRune(r) {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	out := sb.String()
	if out == "" || out == "." || strings.HasPrefix(out, "..") {
		out = "_" + out
	}
	if len(out) > maxSubdomain {
		out = out[:maxSubdomain]
	}
	return out
}

// validKey reports whether s is usable as a ConfigMap/Secret key as is.
func validKey(s string) bool { return s != "" && dataKey(s) == s }

func validKeyRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_'
}

// ownerName is the object-name stem of container c of service svc: the service's name for its
// main container, <service>-<container> for the others (ECS sidecars).
func (b *builder) ownerName(svc *model.Service, idx int) string {
	if idx == 0 {
		return b.name(svc.Name)
	}
	return b.name(svc.Name) + "-" + dnsLabel(svc.Containers[idx].Name, maxLabel, "c")
}

// containerIndex returns the index of m among svc's containers (by name), 0 when not found.
func containerIndex(svc *model.Service, m *model.Container) int {
	for i := range svc.Containers {
		if &svc.Containers[i] == m || svc.Containers[i].Name == m.Name {
			return i
		}
	}
	return 0
}
