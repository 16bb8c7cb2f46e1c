package apply

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Rollout is a workload's progress as its status reports it.
type Rollout struct {
	Ready, Desired int64
	// Done: the current generation is rolled out and ready (a Job: complete).
	Done bool
	// Failed is set when the rollout cannot succeed without a change (a Job failed, a
	// Deployment exceeded its progress deadline).
	Failed string
	// Waiting says what the rollout waits for.
	Waiting string
}

// waitable reports whether berth follows the rollout of kind.
func waitable(kind string) bool {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "Job":
		return true
	}
	return false
}

// RolloutOf reads the rollout state of a Deployment, StatefulSet, DaemonSet or Job, with the
// rules of kubectl rollout status (and kubectl wait --for=condition=Complete for Jobs).
func RolloutOf(u *unstructured.Unstructured) Rollout {
	var r Rollout
	switch u.GetKind() {
	case "Deployment":
		r = deploymentRollout(u)
	case "StatefulSet":
		r = statefulSetRollout(u)
	case "DaemonSet":
		r = daemonSetRollout(u)
	case "Job":
		return jobRollout(u)
	default:
		return Rollout{Done: true}
	}
	// A workload's status speaks of its current generation only once its controller has
	// observed that generation.
	if !observed(u) {
		return Rollout{Ready: r.Ready, Desired: r.Desired, Waiting: "waiting for the " + strings.ToLower(u.GetKind()) + " controller"}
	}
	return r
}

func num(u *unstructured.Unstructured, def int64, path ...string) int64 {
	v, ok, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	if !ok {
		return def
	}
	if n, ok := number(v); ok {
		return int64(n)
	}
	return def
}

func str(u *unstructured.Unstructured, path ...string) string {
	s, _, _ := unstructured.NestedString(u.Object, path...)
	return s
}

// condition returns the status, reason and message of condition typ.
func condition(u *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != typ {
			continue
		}
		s, _ := m["status"].(string)
		r, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		return s, r, msg
	}
	return "", "", ""
}

func observed(u *unstructured.Unstructured) bool {
	return num(u, 0, "status", "observedGeneration") >= num(u, 0, "metadata", "generation")
}

func deploymentRollout(u *unstructured.Unstructured) Rollout {
	want := num(u, 1, "spec", "replicas")
	r := Rollout{Ready: num(u, 0, "status", "availableReplicas"), Desired: want}
	if _, reason, msg := condition(u, "Progressing"); reason == "ProgressDeadlineExceeded" {
		r.Failed = "progress deadline exceeded: " + msg
		return r
	}
	updated, total := num(u, 0, "status", "updatedReplicas"), num(u, 0, "status", "replicas")
	switch {
	case updated < want:
		r.Waiting = fmt.Sprintf("%d of %d replicas updated", updated, want)
	case total > updated:
		r.Waiting = fmt.Sprintf("%d old replicas pending termination", total-updated)
	case r.Ready < updated:
		r.Waiting = fmt.Sprintf("%d of %d updated replicas available", r.Ready, updated)
	default:
		r.Done = true
	}
	return r
}

func statefulSetRollout(u *unstructured.Unstructured) Rollout {
	want := num(u, 1, "spec", "replicas")
	r := Rollout{Ready: num(u, 0, "status", "readyReplicas"), Desired: want}
	rolling := str(u, "spec", "updateStrategy", "type") != "OnDelete"
	partition := num(u, 0, "spec", "updateStrategy", "rollingUpdate", "partition")
	switch {
	case r.Ready < want:
		r.Waiting = fmt.Sprintf("%d of %d replicas ready", r.Ready, want)
	case rolling && partition == 0 && str(u, "status", "updateRevision") != str(u, "status", "currentRevision"):
		r.Waiting = fmt.Sprintf("%d of %d replicas updated", num(u, 0, "status", "updatedReplicas"), want)
	case rolling && partition > 0 && num(u, 0, "status", "updatedReplicas") < want-partition:
		r.Waiting = fmt.Sprintf("%d of %d partitioned replicas updated", num(u, 0, "status", "updatedReplicas"), want-partition)
	default:
		r.Done = true
	}
	return r
}

func daemonSetRollout(u *unstructured.Unstructured) Rollout {
	want := num(u, 0, "status", "desiredNumberScheduled")
	r := Rollout{Ready: num(u, 0, "status", "numberAvailable"), Desired: want}
	updated := num(u, 0, "status", "updatedNumberScheduled")
	switch {
	case updated < want:
		r.Waiting = fmt.Sprintf("%d of %d pods updated", updated, want)
	case r.Ready < want:
		r.Waiting = fmt.Sprintf("%d of %d pods available", r.Ready, want)
	default:
		r.Done = true
	}
	return r
}

func jobRollout(u *unstructured.Unstructured) Rollout {
	r := Rollout{Ready: num(u, 0, "status", "succeeded"), Desired: num(u, 1, "spec", "completions")}
	if s, _, _ := condition(u, "Complete"); s == "True" {
		r.Done = true
		return r
	}
	if s, reason, msg := condition(u, "Failed"); s == "True" {
		r.Failed = fmt.Sprintf("job failed: %s: %s", reason, msg)
		return r
	}
	r.Waiting = fmt.Sprintf("%d of %d completions, %d running, %d failed", r.Ready, r.Desired,
		num(u, 0, "status", "active"), num(u, 0, "status", "failed"))
	return r
}
