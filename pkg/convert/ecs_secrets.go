package convert

import (
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Externally stored variables (ECS secrets[].valueFrom: Secrets Manager or SSM Parameter
// Store). env.go points each variable at key K of the Secret <owner>-external-env; this file
// makes that Secret exist:
//   - SecretsExternal (default): an External Secrets Operator ExternalSecret per Secret, reading
//     from one SecretStore per AWS service and region (provider aws, auth through a
//     ServiceAccount that carries the task's execution role, which is what read the secrets
//     on ECS);
//   - SecretsPlaceholder: a Secret with an empty value per key, to be filled in.
// berth never fetches a secret, and no message names more than the secret's name.

// Secret modes.
const (
	SecretsExternal    = "external"
	SecretsPlaceholder = "placeholder"
)

// esoAPIVersion is the External Secrets Operator API berth emits (GA since ESO v0.17).
const esoAPIVersion = "external-secrets.io/v1"

// externalVar is one variable of a Secret that comes from outside.
type externalVar struct {
	key string
	ref *model.SecretRef
}

// externalSecret is the Secret <owner>-external-env of one container.
type externalSecret struct {
	name      string
	component string
	svc       *model.Service
	vars      []externalVar
}

// externalEnv registers variable e of a container as key of Secret name and accounts it.
func (b *builder) externalEnv(p *pod, e model.EnvVar, name, key string, targets ...string) {
	if b.ecs.external == nil {
		b.ecs.external = map[string]*externalSecret{}
	}
	es := b.ecs.external[name]
	if es == nil {
		es = &externalSecret{name: name, component: p.Name, svc: p.svc}
		b.ecs.external[name] = es
		if b.opts.Secrets != SecretsPlaceholder {
			b.ledger.Warnf(p.svc.Name, e.Field, "Secret %s is filled by an ExternalSecret from AWS: install the External Secrets Operator and let ServiceAccount %s's role read the referenced secrets", name, b.secretsAccount())
		}
	}
	es.vars = append(es.vars, externalVar{key: key, ref: e.From})
	what := "ExternalSecret/" + name
	if b.opts.Secrets == SecretsPlaceholder {
		what = "Secret/" + name
		b.ledger.Partial(p.svc.Name, e.Field, fmt.Sprintf("variable %s comes from %s %s%s: fill key %s of Secret %s (berth never reads secret values)",
			e.Name, providerName(e.From), e.From.Name, secretSelector(e.From), key, name), append(targets, what)...)
		return
	}
	// spec.data lists the variables in registration order (externalSecretObject).
	b.ledger.Mapped(p.svc.Name, e.Field, append(targets, fmt.Sprintf("%s spec.data[%d]", what, len(es.vars)-1))...)
}

// secretSelector names the part of a Secrets Manager secret a reference reads, as ECS's ARN
// suffix :json-key:version-stage:version-id selects it: " (JSON key password, version stage
// AWSPREVIOUS)", or "" for the whole current secret.
func secretSelector(r *model.SecretRef) string {
	var parts []string
	if r.JSONKey != "" {
		parts = append(parts, "JSON key "+r.JSONKey)
	}
	if r.VersionStage != "" {
		parts = append(parts, "version stage "+r.VersionStage)
	}
	if r.VersionID != "" {
		parts = append(parts, "version id "+r.VersionID)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func providerName(r *model.SecretRef) string {
	if r.Provider == "aws-ssm" {
		return "SSM parameter"
	}
	return "Secrets Manager secret"
}

// externalObjects emits the ExternalSecrets (or placeholder Secrets) and notes their stores.
func (b *builder) externalObjects(stores map[string]bool) {
	names := make([]string, 0, len(b.ecs.external))
	for n := range b.ecs.external {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		es := b.ecs.external[n]
		if b.opts.Secrets == SecretsPlaceholder {
			b.emit(b.placeholderSecret(es))
			continue
		}
		b.emit(b.externalSecretObject(es, stores))
	}
}

func (b *builder) placeholderSecret(es *externalSecret) *corev1.Secret {
	data := map[string]string{}
	for _, v := range es.vars {
		data[v.key] = ""
	}
	meta := objectMeta(es.name, b.ns, b.app.Name, es.component)
	meta.Annotations = map[string]string{"berth.dev/fill-in": "values come from AWS; berth does not read them"}
	return &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta,
		Type: corev1.SecretTypeOpaque, StringData: data}
}

// storeName is the SecretStore of a reference: one per AWS service and region.
func storeName(r *model.SecretRef) string {
	svc := "secretsmanager"
	if r.Provider == "aws-ssm" {
		svc = "parameterstore"
	}
	if r.Region == "" {
		return "aws-" + svc
	}
	return dnsLabel("aws-"+svc+"-"+r.Region, maxLabel, "aws-"+svc)
}

var smSuffixRE = lazyRegexp(`^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:[^:]+)`)

// remoteRef is the ESO remoteRef of a reference: the secret's ARN without ECS's
// :json-key:version-stage:version-id selectors (or the parameter name), the JSON key as
// property, the stage or version id as version.
func remoteRef(r *model.SecretRef) map[string]any {
	ref := map[string]any{"key": r.Name}
	if r.Provider == "aws-secretsmanager" {
		if m := smSuffixRE().FindStringSubmatch(r.Ref); m != nil {
			ref["key"] = m[1]
		}
		if r.JSONKey != "" {
			ref["property"] = r.JSONKey
		}
		switch {
		case r.VersionID != "":
			ref["version"] = "uuid/" + r.VersionID
		case r.VersionStage != "":
			ref["version"] = r.VersionStage
		}
	}
	return ref
}

func (b *builder) externalSecretObject(es *externalSecret, stores map[string]bool) *unstructured.Unstructured {
	var data []any
	first := ""
	for _, v := range es.vars {
		s := storeName(v.ref)
		stores[s] = true
		if first == "" {
			first = s
		}
		d := map[string]any{"secretKey": v.key, "remoteRef": remoteRef(v.ref)}
		if s != first {
			d["sourceRef"] = map[string]any{"storeRef": map[string]any{"kind": "SecretStore", "name": s}}
		}
		data = append(data, d)
	}
	u := b.esoObject("ExternalSecret", es.name, es.component)
	u.Object["spec"] = map[string]any{
		"refreshInterval": "1h",
		"secretStoreRef":  map[string]any{"kind": "SecretStore", "name": first},
		"target":          map[string]any{"name": es.name, "creationPolicy": "Owner"},
		"data":            data,
	}
	return u
}

// secretStore reads one AWS service in one region with the secrets ServiceAccount.
func (b *builder) secretStore(name string) *unstructured.Unstructured {
	service, region := "SecretsManager", ""
	rest := strings.TrimPrefix(name, "aws-secretsmanager")
	if strings.HasPrefix(name, "aws-parameterstore") {
		service, rest = "ParameterStore", strings.TrimPrefix(name, "aws-parameterstore")
	}
	region = strings.TrimPrefix(rest, "-")
	aws := map[string]any{
		"service": service,
		"auth":    map[string]any{"jwt": map[string]any{"serviceAccountRef": map[string]any{"name": b.secretsAccount()}}},
	}
	if region != "" {
		aws["region"] = region
	} else {
		b.ledger.Warnf("", "", "SecretStore %s: a secret reference gives no region (an SSM parameter name): set spec.provider.aws.region", name)
		aws["region"] = "us-east-1"
	}
	u := b.esoObject("SecretStore", name, "")
	u.Object["spec"] = map[string]any{"provider": map[string]any{"aws": aws}}
	return u
}

func (b *builder) esoObject(kind, name, component string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(esoAPIVersion)
	u.SetKind(kind)
	u.SetName(name)
	u.SetNamespace(b.ns)
	u.SetLabels(Labels(b.app.Name, component))
	return u
}

// secretsAccount is the ServiceAccount the SecretStores authenticate as.
func (b *builder) secretsAccount() string {
	return dnsLabel(b.app.Name+"-secrets", maxLabel, "secrets")
}

// accountSecretsRole records where the execution role went.
func (b *builder) accountSecretsRole(svc *model.Service) {
	if svc.ExecutionRoleARN == "" {
		return
	}
	field := svc.Paths.Of(model.KeyExecutionRole)
	reason := "the execution role pulled images and read secrets: image pulls use the node role (or imagePullSecrets), secret reads use ServiceAccount " + b.secretsAccount() + " of the SecretStores"
	b.ledger.Record(diag.Entry{Service: svc.Name, Field: field, Outcome: diag.Partial, Reason: reason, Targets: []string{"ServiceAccount/" + b.secretsAccount()}})
}
