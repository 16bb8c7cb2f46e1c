package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

// RestartedAtAnnotation is the pod template annotation kubectl rollout restart sets.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// restartManager owns the restart annotation. It is not "berth": a later apply must not
// remove the annotation (which would roll the pods again).
const restartManager = "berth-restart"

// RestartOptions configure Restart.
type RestartOptions struct {
	// Services restricts the restart to these services (label app.kubernetes.io/name);
	// empty restarts every Deployment, StatefulSet and DaemonSet of the set.
	Services []string
	// Now stamps the annotation (default time.Now).
	Now      time.Time
	Wait     bool
	Timeout  time.Duration
	Out      io.Writer
	Progress Progress
}

// Restart rolls the pods of the set's Deployments, StatefulSets and DaemonSets as kubectl
// rollout restart does: it patches the pod template annotation kubectl.kubernetes.io/restartedAt
// and then waits for the rollouts like apply.
func Restart(ctx context.Context, c *Client, s Set, o RestartOptions) error {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	st, err := c.setMembers(ctx, s, workloadKinds()[:3])
	if err != nil {
		return err
	}
	targets, err := restartTargets(st, o.Services)
	if err != nil {
		return err
	}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{RestartedAtAnnotation: o.Now.UTC().Format(time.RFC3339)}},
	}}})
	var restarted []*unstructured.Unstructured
	for _, k := range targets {
		u, m := st.byKey[k], st.mappings[k]
		var got *unstructured.Unstructured
		err := c.retry(ctx, func() error {
			var err error
			got, err = c.resource(m, u.GetNamespace()).Patch(ctx, u.GetName(), types.StrategicMergePatchType, patch,
				metav1.PatchOptions{FieldManager: restartManager})
			return err
		})
		if err != nil {
			return fmt.Errorf("restarting %s: %w", ref(u), err)
		}
		fmt.Fprintf(o.Out, "%s restarted\n", ref(u))
		restarted = append(restarted, got)
	}
	if !o.Wait {
		return nil
	}
	return c.Wait(ctx, restarted, s, WaitOptions{Timeout: o.Timeout, Progress: o.Progress, Out: o.Out})
}

// restartTargets picks the member keys to restart: all, or those of the named services.
func restartTargets(st *members, services []string) ([]string, error) {
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	var out []string
	found := map[string]bool{}
	known := map[string]bool{}
	for _, k := range st.order {
		svc := st.byKey[k].GetLabels()[LabelService]
		known[svc] = true
		if len(want) == 0 || want[svc] {
			out = append(out, k)
			found[svc] = true
		}
	}
	var missing []string
	for s := range want {
		if !found[s] {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("no Deployment, StatefulSet or DaemonSet for service %s (services with workloads: %s)",
			strings.Join(missing, ", "), strings.Join(sortedKeys(known), ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("nothing to restart: the application has no Deployment, StatefulSet or DaemonSet")
	}
	return out, nil
}
