package apply

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

// Label and annotation keys of the ApplySet specification (KEP-3659), as kubectl reads them.
const (
	LabelApplySetID            = "applyset.kubernetes.io/id"
	LabelPartOf                = "applyset.kubernetes.io/part-of"
	AnnotationTooling          = "applyset.kubernetes.io/tooling"
	AnnotationGroupKinds       = "applyset.kubernetes.io/contains-group-kinds"
	AnnotationExtraNamespaces  = "applyset.kubernetes.io/additional-namespaces"
	applySetIDFormat           = "applyset-%s-v1"
	applySetToolingName        = "berth"
	applySetToolingVersionless = applySetToolingName + "/"
)

// Tooling is the value of the parent's tooling annotation (<tool>/<version>).
const Tooling = applySetToolingName + "/v1"

// Set identifies the ApplySet of one application: its parent Secret, in the application's
// namespace. Its members carry the label applyset.kubernetes.io/part-of=<Set.ID()>.
type Set struct {
	// Name is the parent Secret's name.
	Name string
	// Namespace is the parent's namespace.
	Namespace string
}

// NewSet returns the ApplySet of application app in namespace ns.
func NewSet(app, ns string) Set {
	return Set{Name: "berth-applyset-" + app, Namespace: ns}
}

// ID is the ApplySet ID as the KEP defines it: "applyset-" + base64url(sha256(name.namespace.
// kind.group)) + "-v1", for the parent Secret (kind Secret, core group "").
func (s Set) ID() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{s.Name, s.Namespace, "Secret", ""}, ".")))
	return fmt.Sprintf(applySetIDFormat, base64.RawURLEncoding.EncodeToString(sum[:]))
}

// selector selects the members of the set. The zero Set selects everything: callers that
// follow objects another tool applied (a Helm release) match them by name.
func (s Set) selector() string {
	if s == (Set{}) {
		return ""
	}
	return LabelPartOf + "=" + s.ID()
}

// String names the parent as berth's messages do: Secret namespace/name.
func (s Set) String() string { return "Secret " + s.Namespace + "/" + s.Name }

// parent is what the parent Secret records.
type parent struct {
	exists     bool
	groupKinds []schema.GroupKind
	namespaces []string // additional namespaces (other than the parent's)
}

// readParent reads the parent Secret. A Secret of that name that is not this ApplySet's parent
// is an error: berth never takes over an object it did not create. The zero Set (objects
// another tool applied) has no parent.
func (c *Client) readParent(ctx context.Context, s Set) (parent, error) {
	if s == (Set{}) {
		return parent{}, nil
	}
	var sec *unstructured.Unstructured
	err := c.retry(ctx, func() error {
		var err error
		sec, err = c.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).
			Namespace(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
		return err
	})
	if apierrors.IsNotFound(err) {
		return parent{}, nil
	}
	if err != nil {
		return parent{}, fmt.Errorf("reading the ApplySet parent %s: %w", s, err)
	}
	if id := sec.GetLabels()[LabelApplySetID]; id != s.ID() {
		return parent{}, fmt.Errorf("%s exists but is not berth's ApplySet parent for this application (label %s=%q, want %q): rename or delete it",
			s, LabelApplySetID, id, s.ID())
	}
	ann := sec.GetAnnotations()
	if t := ann[AnnotationTooling]; !strings.HasPrefix(t, applySetToolingVersionless) {
		return parent{}, fmt.Errorf("%s is an ApplySet managed by %q, not berth: berth will not change it", s, t)
	}
	p := parent{exists: true}
	for _, gk := range splitList(ann[AnnotationGroupKinds]) {
		p.groupKinds = append(p.groupKinds, schema.ParseGroupKind(gk))
	}
	p.namespaces = splitList(ann[AnnotationExtraNamespaces])
	return p, nil
}

// writeParent server-side applies the parent with the given group kinds and namespaces.
func (c *Client) writeParent(ctx context.Context, s Set, gks []schema.GroupKind, namespaces []string, dryRun bool) error {
	ac := corev1ac.Secret(s.Name, s.Namespace).
		WithLabels(map[string]string{LabelApplySetID: s.ID()}).
		WithAnnotations(map[string]string{
			AnnotationTooling:         Tooling,
			AnnotationGroupKinds:      groupKindsAnnotation(gks),
			AnnotationExtraNamespaces: namespacesAnnotation(namespaces, s.Namespace),
		})
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	err := c.retry(ctx, func() error {
		_, err := c.Typed.CoreV1().Secrets(s.Namespace).Apply(ctx, ac, opts)
		return err
	})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("updating the ApplySet parent %s: %w (create namespace %s first, or apply objects that include it)", s, err, s.Namespace)
	}
	if err != nil {
		return fmt.Errorf("updating the ApplySet parent %s: %w", s, err)
	}
	return nil
}

// deleteParent deletes the parent Secret (gone already is fine).
func (c *Client) deleteParent(ctx context.Context, s Set) error {
	err := c.retry(ctx, func() error {
		return c.Typed.CoreV1().Secrets(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the ApplySet parent %s: %w", s, err)
	}
	return nil
}

// groupKindsAnnotation renders group kinds the way kubectl does: Kind.group, sorted, joined
// by commas (core kinds without a group).
func groupKindsAnnotation(gks []schema.GroupKind) string {
	seen := map[string]bool{}
	var out []string
	for _, gk := range gks {
		if s := gk.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func namespacesAnnotation(nss []string, skip string) string {
	seen := map[string]bool{skip: true, "": true}
	var out []string
	for _, ns := range nss {
		if !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// sameParent reports whether p already records exactly gks and namespaces.
func sameParent(p parent, s Set, gks []schema.GroupKind, namespaces []string) bool {
	return p.exists && groupKindsAnnotation(p.groupKinds) == groupKindsAnnotation(gks) &&
		namespacesAnnotation(p.namespaces, s.Namespace) == namespacesAnnotation(namespaces, s.Namespace)
}
