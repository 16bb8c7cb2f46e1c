package apply

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// maxPodsExplained bounds the pods named per workload: the first few tell the story.
const maxPodsExplained = 3

// explain says why workload u is not ready: its pods' problems (waiting reasons, failed
// containers, scheduling), its pending volume claims and recent warning events about it.
// It is best effort: lookups that fail are skipped.
// Events that repeat said (the caller's summary) are left out.
func (c *Client) explain(ctx context.Context, u *unstructured.Unstructured, said string) []string {
	pods := c.podsOf(ctx, u)
	var lines []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			lines = append(lines, s)
		}
	}
	claims := map[string]bool{}
	named := 0
	for i := range pods {
		p := &pods[i]
		problems := podProblems(p)
		if len(problems) > 0 && named < maxPodsExplained {
			named++
			for _, pr := range problems {
				add(fmt.Sprintf("pod %s: %s", p.Name, pr))
			}
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				claims[v.PersistentVolumeClaim.ClaimName] = true
			}
		}
	}
	for _, l := range c.pendingClaims(ctx, u.GetNamespace(), claims) {
		add(l)
	}
	for _, ev := range c.warnings(ctx, u, pods, claims) {
		if !mentioned(append(lines, said), ev.message) {
			add(fmt.Sprintf("event %s on %s %s: %s", ev.reason, ev.kind, ev.name, ev.message))
		}
	}
	if len(pods) == 0 {
		add("no pods exist yet")
	}
	return lines
}

// podsOf lists the pods selected by the workload's selector.
func (c *Client) podsOf(ctx context.Context, u *unstructured.Unstructured) []corev1.Pod {
	raw, ok, _ := unstructured.NestedMap(u.Object, "spec", "selector")
	if !ok {
		return nil
	}
	var ls metav1.LabelSelector
	if runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls) != nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil || sel.Empty() {
		return nil
	}
	var list *corev1.PodList
	err = c.retry(ctx, func() error {
		var err error
		list, err = c.Typed.CoreV1().Pods(u.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		return err
	})
	if err != nil {
		return nil
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	return list.Items
}

// podProblems names what keeps a pod from being ready.
func podProblems(p *corev1.Pod) []string {
	if p.DeletionTimestamp != nil {
		return nil
	}
	var out []string
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse {
			out = append(out, fmt.Sprintf("%s: %s", strings.ToLower(nonEmpty(cond.Reason, "not scheduled")), cond.Message))
		}
	}
	statuses := append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range statuses {
		if s := containerProblem(cs); s != "" {
			out = append(out, "container "+cs.Name+": "+s)
		}
	}
	if p.Status.Phase == corev1.PodFailed && (p.Status.Reason != "" || p.Status.Message != "") {
		out = append(out, strings.TrimSpace(fmt.Sprintf("failed: %s %s", p.Status.Reason, p.Status.Message)))
	}
	return out
}

func containerProblem(cs corev1.ContainerStatus) string {
	if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" && w.Reason != "PodInitializing" {
		s := w.Reason
		if w.Message != "" {
			s += ": " + w.Message
		}
		if t := cs.LastTerminationState.Terminated; t != nil {
			s += fmt.Sprintf(" (last exit code %d, %s)", t.ExitCode, t.Reason)
		}
		return s
	}
	if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
		s := fmt.Sprintf("exited with code %d", t.ExitCode)
		if t.Reason != "" {
			s += " (" + t.Reason + ")"
		}
		if t.Message != "" {
			s += ": " + t.Message
		}
		return s
	}
	return ""
}

// pendingClaims reports the claims among names that are not bound.
func (c *Client) pendingClaims(ctx context.Context, ns string, names map[string]bool) []string {
	var out []string
	for _, name := range sortedKeys(names) {
		var pvc *corev1.PersistentVolumeClaim
		err := c.retry(ctx, func() error {
			var err error
			pvc, err = c.Typed.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
			return err
		})
		if err != nil {
			out = append(out, fmt.Sprintf("PersistentVolumeClaim %s/%s: %v", ns, name, err))
			continue
		}
		if pvc.Status.Phase == corev1.ClaimPending {
			sc := "the default storage class"
			if pvc.Spec.StorageClassName != nil {
				sc = fmt.Sprintf("storage class %q", *pvc.Spec.StorageClassName)
			}
			out = append(out, fmt.Sprintf("PersistentVolumeClaim %s/%s is Pending (%s)", ns, name, sc))
		}
	}
	return out
}

// mentioned reports whether a line already says msg (a FailedScheduling event repeats the
// pod's condition).
func mentioned(lines []string, msg string) bool {
	for _, l := range lines {
		if strings.Contains(l, msg) {
			return true
		}
	}
	return false
}

// event is one warning event, trimmed.
type event struct{ reason, kind, name, message string }

// warnings returns recent Warning events about the workload, its ReplicaSets, its pods and
// its claims, newest first.
func (c *Client) warnings(ctx context.Context, u *unstructured.Unstructured, pods []corev1.Pod, claims map[string]bool) []event {
	var list *corev1.EventList
	err := c.retry(ctx, func() error {
		var err error
		list, err = c.Typed.CoreV1().Events(u.GetNamespace()).List(ctx, metav1.ListOptions{
			FieldSelector: "type=" + corev1.EventTypeWarning,
		})
		return err
	})
	if err != nil {
		return nil
	}
	podNames := map[string]bool{}
	for _, p := range pods {
		podNames[p.Name] = true
	}
	about := func(o corev1.ObjectReference) bool {
		switch o.Kind {
		case u.GetKind():
			return o.Name == u.GetName()
		case "ReplicaSet":
			return u.GetKind() == "Deployment" && strings.HasPrefix(o.Name, u.GetName()+"-")
		case "Pod":
			return podNames[o.Name]
		case "PersistentVolumeClaim":
			return claims[o.Name]
		}
		return false
	}
	evs := list.Items
	sort.SliceStable(evs, func(i, j int) bool { return eventTime(&evs[i]).After(eventTime(&evs[j]).Time) })
	var out []event
	for _, e := range evs {
		if about(e.InvolvedObject) && len(out) < 4 {
			out = append(out, event{e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, strings.TrimSpace(e.Message)})
		}
	}
	return out
}

func eventTime(e *corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.Time{Time: e.EventTime.Time}
	}
	return e.CreationTimestamp
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}
