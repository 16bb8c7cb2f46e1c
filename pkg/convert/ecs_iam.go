package convert

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IAM: an ECS task role becomes a ServiceAccount annotated for IAM Roles for Service Accounts
// (eks.amazonaws.com/role-arn); the role's trust policy must then trust the cluster's OIDC
// provider instead of ecs-tasks.amazonaws.com, which the report spells out. The execution role
// (image pulls, secret reads) becomes the ServiceAccount the SecretStores use.

const roleARNAnnotation = "eks.amazonaws.com/role-arn"

var iamRoleARNRE = lazyRegexp(`^arn:aws[a-z-]*:iam::\d{12}:role/`)

// taskRole gives the pod a ServiceAccount carrying the task role.
func (b *builder) taskRole(p *pod) {
	svc := p.svc
	if svc.RoleARN == "" || svc.Options.ServiceAccount != "" {
		return
	}
	field := svc.Paths.Of(model.KeyRoleARN)
	sa := &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: objectMeta(p.Name, b.ns, b.app.Name, p.Name)}
	p.Spec.ServiceAccountName = p.Name
	target := "ServiceAccount/" + p.Name
	if !iamRoleARNRE().MatchString(svc.RoleARN) {
		b.emit(sa)
		b.ledger.Partial(svc.Name, field, fmt.Sprintf("taskRoleArn %q is not a full IAM role ARN with a 12-digit account: add the annotation %s: arn:aws:iam::<account>:role/<name> to ServiceAccount %s", svc.RoleARN, roleARNAnnotation, p.Name), target, p.target("serviceAccountName"))
		return
	}
	sa.Annotations = map[string]string{roleARNAnnotation: svc.RoleARN}
	b.emit(sa)
	b.ledger.Record(diag.Entry{Service: svc.Name, Field: field, Outcome: diag.Mapped,
		Targets: []string{target + " metadata.annotations[" + roleARNAnnotation + "]", p.target("serviceAccountName")},
		Reason:  b.trustPolicy(p.Name)})
	b.ledger.Infof(svc.Name, field, "%s", b.trustPolicy(p.Name))
}

// trustPolicy says how the role's trust policy changes for IRSA.
func (b *builder) trustPolicy(sa string) string {
	return fmt.Sprintf("update the role's trust policy: replace the principal ecs-tasks.amazonaws.com with the cluster's OIDC provider "+
		"(Federated arn:aws:iam::<account>:oidc-provider/<issuer>, Action sts:AssumeRoleWithWebIdentity, "+
		"Condition StringEquals <issuer>:sub = system:serviceaccount:%s:%s and <issuer>:aud = sts.amazonaws.com), or use an EKS Pod Identity association", b.ns, sa)
}

// secretsAccountObject is the ServiceAccount of the SecretStores, carrying the execution role
// of the tasks (the role that read their secrets on ECS).
func (b *builder) secretsAccountObject() {
	name := b.secretsAccount()
	sa := &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: objectMeta(name, b.ns, b.app.Name, "")}
	role, roleSvc := "", (*model.Service)(nil)
	for _, svc := range b.app.Services {
		r := svc.ExecutionRoleARN
		switch {
		case r == "":
		case role == "":
			role, roleSvc = r, svc
		case r != role:
			b.ledger.Warnf(svc.Name, svc.Paths.Of(model.KeyExecutionRole), "tasks use different execution roles; the SecretStores use the first one (%s)", role)
		}
	}
	if iamRoleARNRE().MatchString(role) {
		sa.Annotations = map[string]string{roleARNAnnotation: role}
		// Once, on the role the SecretStores use: until it trusts the cluster, External
		// Secrets gets AccessDenied.
		b.ledger.Infof(roleSvc.Name, roleSvc.Paths.Of(model.KeyExecutionRole), "the SecretStores read the secrets as this role: %s", b.trustPolicy(name))
	} else {
		b.ledger.Warnf("", "", "ServiceAccount %s (used by the SecretStores) needs the annotation %s with a role allowed to read the secrets: the tasks name no full execution role ARN", name, roleARNAnnotation)
	}
	b.emit(sa)
	for _, svc := range b.app.Services {
		b.accountSecretsRole(svc)
	}
}

// pullSecrets points the pod at a registry-credentials Secret per repositoryCredentials
// reference; the Secret comes from Secrets Manager like the other external secrets.
func (b *builder) pullSecrets(p *pod) {
	for i, ref := range p.svc.PullSecrets {
		name := dnsLabel(fmt.Sprintf("%s-registry-%d", p.Name, i+1), maxLabel, "registry")
		p.Spec.ImagePullSecrets = append(p.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: name})
		if b.ecs.pull == nil {
			b.ecs.pull = map[string]pullSecret{}
		}
		b.ecs.pull[name] = pullSecret{ref: ref, component: p.Name, registry: registryOf(p.svc, ref.Field)}
		if b.opts.Secrets == SecretsPlaceholder {
			// pullObjects warns, naming the registry
			b.ledger.Record(diag.Entry{Service: p.svc.Name, Field: ref.Field, Outcome: diag.Partial,
				Reason: "placeholder Secret " + name + ": fill in the registry's username and password", Targets: []string{p.target("imagePullSecrets"), "Secret/" + name}})
			continue
		}
		b.ledger.Mapped(p.svc.Name, ref.Field, p.target("imagePullSecrets"), "ExternalSecret/"+name+" spec.dataFrom[0].extract") // pullObjects
	}
}

// pullSecret is one registry-credentials Secret to emit.
type pullSecret struct {
	ref       model.SecretRef
	component string
	registry  string
}

// registryOf is the registry host of the image of the container whose field prefixes field.
func registryOf(svc *model.Service, field string) string {
	for _, c := range svc.Containers {
		if strings.HasPrefix(field, c.Field+".") {
			first, _, found := strings.Cut(c.Image, "/")
			if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
				return first
			}
		}
	}
	return "https://index.docker.io/v1/"
}

// pullObjects emits the registry-credential Secrets: an ExternalSecret templating a
// dockerconfigjson from the secret's username and password keys (the format ECS reads), or a
// placeholder Secret.
func (b *builder) pullObjects(stores map[string]bool) {
	for _, name := range sortedKeys(b.ecs.pull) {
		ps := b.ecs.pull[name]
		if b.opts.Secrets == SecretsPlaceholder {
			meta := objectMeta(name, b.ns, b.app.Name, ps.component)
			skeleton := fmt.Sprintf(`{"auths":{%q:{"username":"","password":""}}}`, ps.registry)
			b.emit(&corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}, ObjectMeta: meta,
				Type: corev1.SecretTypeDockerConfigJson, StringData: map[string]string{corev1.DockerConfigJsonKey: skeleton}})
			// The reference itself stays out of diagnostics: the field names it.
			b.ledger.Warnf("", ps.ref.Field, "placeholder Secret %s: fill in the username and password for registry %s (the credentials secret named by this field)", name, ps.registry)
			continue
		}
		store := storeName(&ps.ref)
		stores[store] = true
		u := b.esoObject("ExternalSecret", name, ps.component)
		auth := fmt.Sprintf(`{"auths":{%q:{"username":"{{ .username }}","password":"{{ .password }}"}}}`, ps.registry)
		u.Object["spec"] = map[string]any{
			"refreshInterval": "1h",
			"secretStoreRef":  map[string]any{"kind": "SecretStore", "name": store},
			"target": map[string]any{"name": name, "creationPolicy": "Owner", "template": map[string]any{
				"type": string(corev1.SecretTypeDockerConfigJson),
				"data": map[string]any{corev1.DockerConfigJsonKey: auth},
			}},
			"dataFrom": []any{map[string]any{"extract": remoteRef(&ps.ref)}},
		}
		b.emit(u)
	}
}
