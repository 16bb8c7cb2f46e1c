package convert

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// placement.go maps swarm placement constraints to node selectors and group_add to the pod's
// supplementary groups (docs/mapping.md, "Containers").

// constraintLabels are the swarm node attributes that have a well-known Kubernetes node label.
var constraintLabels = map[string]string{
	"node.platform.os":   "kubernetes.io/os",
	"node.platform.arch": "kubernetes.io/arch",
	"node.hostname":      "kubernetes.io/hostname",
}

// swarmArch maps swarm's architecture names (uname -m) to Kubernetes' (GOARCH).
var swarmArch = map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}

// constraints turns `ATTRIBUTE==VALUE` placement constraints into nodeSelector entries:
// node.labels.KEY → KEY, node.platform.os/arch and node.hostname → the well-known labels.
// Anything else (!=, node.role, node.id, engine.labels) has no node selector: dropped.
func (b *builder) constraints(p *pod) {
	svc := p.svc
	for _, c := range svc.Constraints {
		attr, val, ok := strings.Cut(c.Key, "==")
		attr, val = strings.TrimSpace(attr), strings.TrimSpace(val)
		key := constraintLabels[attr]
		if k, isLabel := strings.CutPrefix(attr, "node.labels."); isLabel {
			key = k
		}
		if attr == "node.platform.arch" && swarmArch[val] != "" {
			val = swarmArch[val]
		}
		if attr == "node.platform.os" {
			val = strings.ToLower(val)
		}
		bad := validation.IsQualifiedName(key)
		bad = append(bad, validation.IsValidLabelValue(val)...)
		if !ok || key == "" || len(bad) > 0 {
			b.ledger.Dropped(svc.Name, c.Field, fmt.Sprintf("placement constraint %q has no node selector: only ==, on node.labels.KEY, node.platform.os/arch and node.hostname (valid label keys and values); use x-berth.nodeSelector or node affinity", c.Key))
			continue
		}
		p.nodeSelect(key, val)
		b.ledger.Mapped(svc.Name, c.Field, p.target("nodeSelector["+key+"]"))
	}
}

// supplementalGroups adds the main container's numeric group_add entries to the pod's
// supplementary groups (a pod-level setting: every container gets them); group names cannot
// be resolved outside the image: dropped.
func (b *builder) supplementalGroups(p *pod) {
	c := p.svc.Main()
	if len(c.GroupAdd) == 0 {
		return
	}
	for i, g := range c.GroupAdd {
		field := fmt.Sprintf("%s[%d]", c.GroupAddField, i)
		gid, err := strconv.ParseInt(g, 10, 64)
		if err != nil || gid < 0 {
			b.ledger.Dropped(p.svc.Name, field, fmt.Sprintf("group %q is a name: Kubernetes takes numeric supplementary groups (securityContext.supplementalGroups): write its GID", g))
			continue
		}
		if p.Spec.SecurityContext == nil {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{}
		}
		p.Spec.SecurityContext.SupplementalGroups = append(p.Spec.SecurityContext.SupplementalGroups, gid)
		b.ledger.Mapped(p.svc.Name, field, p.target(fmt.Sprintf("securityContext.supplementalGroups[%d]", len(p.Spec.SecurityContext.SupplementalGroups)-1)))
	}
}
