package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// helperLabel marks berth's helper pods (its value is the claim).
const helperLabel = "berth.dev/data-push"

// createHelper creates the pod that mounts the claim and returns its name.
func (c *Client) createHelper(ctx context.Context, o PushOptions) (string, error) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "berth-data-", Namespace: o.Namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "berth", helperLabel: o.Claim}},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyNever,
			ActiveDeadlineSeconds:         ptr.To[int64](6 * 3600),
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			AutomountServiceAccountToken:  ptr.To(false),
			SecurityContext:               &corev1.PodSecurityContext{RunAsUser: ptr.To[int64](0), RunAsGroup: ptr.To[int64](0), FSGroup: o.FSGroup},
			Containers: []corev1.Container{{
				Name: "copy", Image: o.Image, Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 21600 & wait"},
				// requests, no limits: a BestEffort pod gets the least CPU weight (cgroup cpu
				// shares 2 against 102 for an app's 100m) and crawls on a busy node
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}},
				VolumeMounts: []corev1.VolumeMount{{Name: "claim", MountPath: mountPath}},
			}},
			Volumes: []corev1.Volume{{Name: "claim", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: o.Claim}}}},
		},
	}
	created, err := c.cs.CoreV1().Pods(o.Namespace).Create(ctx, p, metav1.CreateOptions{FieldManager: "berth"})
	if err != nil {
		return "", fmt.Errorf("create the helper pod for claim %s: %w", o.Claim, err)
	}
	return created.Name, nil
}

// waitRunning waits until the helper pod runs. It watches the pod (the copy starts as soon as
// the kubelet reports it running, not at the next poll) and reads it again whenever the watch
// ends early.
func (c *Client) waitRunning(ctx context.Context, o PushOptions, name string) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	pods := c.cs.CoreV1().Pods(o.Namespace)
	var last *corev1.Pod
	for {
		got, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return c.notRunning(ctx, o, name, last, err)
		}
		last = got
		if done, err := c.running(ctx, got); done {
			return err
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), ResourceVersion: got.ResourceVersion})
		if err != nil {
			return c.notRunning(ctx, o, name, last, err)
		}
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				break // an error event (the resource version expired): read the pod again
			}
			last = p
			if done, err := c.running(ctx, p); done {
				w.Stop()
				return err
			}
		}
		w.Stop()
		if ctx.Err() != nil {
			return c.notRunning(ctx, o, name, last, ctx.Err())
		}
	}
}

// running says whether the wait for p is over: it runs (nil), or it ended before the copy.
func (c *Client) running(ctx context.Context, p *corev1.Pod) (bool, error) {
	switch p.Status.Phase {
	case corev1.PodRunning:
		return true, nil
	case corev1.PodFailed, corev1.PodSucceeded:
		return true, fmt.Errorf("helper pod %s ended (%s) before the copy: %s", p.Name, p.Status.Phase, c.why(ctx, p))
	}
	return false, nil
}

// notRunning is the error of a wait that ended before the pod ran: the timeout (with what
// the pod waits for), or the request's own error.
func (c *Client) notRunning(ctx context.Context, o PushOptions, name string, last *corev1.Pod, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && last != nil {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return fmt.Errorf("helper pod %s did not start within %s: %s", name, o.Timeout, c.why(wctx, last))
	}
	return fmt.Errorf("helper pod %s: %w", name, err)
}

// why explains a pod that does not run: the claim not bound, scheduling, image pulls.
func (c *Client) why(ctx context.Context, p *corev1.Pod) string {
	var parts []string
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		pvc, err := c.cs.CoreV1().PersistentVolumeClaims(p.Namespace).Get(ctx, v.PersistentVolumeClaim.ClaimName, metav1.GetOptions{})
		if err == nil && pvc.Status.Phase != corev1.ClaimBound {
			parts = append(parts, fmt.Sprintf("claim %s is not bound (phase %s; is there a storage class that provisions it, or a volume to bind?)", pvc.Name, pvc.Status.Phase))
		}
	}
	for _, s := range p.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil && w.Reason != "" {
			parts = append(parts, fmt.Sprintf("container %s: %s %s", s.Name, w.Reason, w.Message))
		}
	}
	evs, err := c.cs.CoreV1().Events(p.Namespace).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", p.Name).String()})
	if err == nil {
		for _, e := range evs.Items {
			if e.Type == corev1.EventTypeWarning {
				parts = append(parts, e.Reason+": "+e.Message)
			}
		}
	}
	if len(parts) == 0 {
		return "phase " + string(p.Status.Phase)
	}
	return strings.Join(parts, "; ")
}

// replicasAnnotation, on a workload berth data push scaled to 0, keeps the replicas it had, so
// that a push that could not scale it back (the API server went away) is finished by the next.
const replicasAnnotation = "berth.dev/replicas-before-data-push"

// cleanupFor bounds the retries of what a push undoes after a failure: the API server may be
// back within seconds (a control-plane restart).
const cleanupFor = 15 * time.Second

// retry calls f until it succeeds or the deadline has passed.
func retry(deadline time.Time, f func(context.Context) error) error {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := f(ctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}

// scaleDown scales o.Workloads to 0 (recording their replicas in replicasAnnotation) and waits
// until no pod mounts the claim. A workload already at 0 that carries the annotation (left by
// an earlier push) is scaled back too. The returned function scales them back and says which
// it did, which it could not, and what to do about those.
func (c *Client) scaleDown(ctx context.Context, o PushOptions) (func(deadline time.Time) (scaled, left []string, note string), error) {
	type was struct {
		kind, name string
		replicas   int32
	}
	var done []was
	restore := func(deadline time.Time) (scaled, left []string, note string) {
		var notes []string
		for _, w := range done {
			wl := w.kind + "/" + w.name
			err := retry(deadline, func(ctx context.Context) error {
				if err := c.setScale(ctx, o.Namespace, w.kind, w.name, w.replicas); err != nil {
					return err
				}
				return c.annotateReplicas(ctx, o.Namespace, w.kind, w.name, nil)
			})
			if err != nil {
				left = append(left, wl)
				notes = append(notes, fmt.Sprintf("%s is left at 0 replicas (it had %d; %v): berth data push --resume --scale-down scales it back after the copy, or kubectl scale -n %s %s --replicas=%d",
					wl, w.replicas, err, o.Namespace, wl, w.replicas))
				continue
			}
			scaled = append(scaled, wl)
		}
		return scaled, left, strings.Join(notes, "; ")
	}
	for _, wl := range o.Workloads {
		kind, name, _ := strings.Cut(wl, "/")
		s, err := c.getScale(ctx, o.Namespace, kind, name)
		if err != nil {
			return restore, err
		}
		if s.Spec.Replicas == 0 {
			if n := c.recordedReplicas(ctx, o.Namespace, kind, name); n > 0 {
				done = append(done, was{kind, name, n})
			}
			continue
		}
		n := s.Spec.Replicas
		if err := c.annotateReplicas(ctx, o.Namespace, kind, name, &n); err != nil {
			return restore, err
		}
		if err := c.setScale(ctx, o.Namespace, kind, name, 0); err != nil {
			return restore, err
		}
		done = append(done, was{kind, name, n})
	}
	deadline := time.Now().Add(o.Timeout)
	for {
		users, err := c.claimUsers(ctx, o.Namespace, o.Claim)
		if err != nil {
			return restore, err
		}
		if len(users) == 0 {
			return restore, nil
		}
		if time.Now().After(deadline) {
			return restore, fmt.Errorf("claim %s is still used by %s after scaling %s to 0 (pods of other owners are not scaled)", o.Claim, strings.Join(users, ", "), strings.Join(o.Workloads, ", "))
		}
		select {
		case <-ctx.Done():
			return restore, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// annotateReplicas sets replicasAnnotation to n, or removes it (nil).
func (c *Client) annotateReplicas(ctx context.Context, ns, kind, name string, n *int32) error {
	v := "null"
	if n != nil {
		v = strconv.Quote(strconv.Itoa(int(*n)))
	}
	patch := []byte(`{"metadata":{"annotations":{"` + replicasAnnotation + `":` + v + `}}}`)
	var err error
	switch kind {
	case "deployment":
		_, err = c.cs.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "berth-data"})
	case "statefulset":
		_, err = c.cs.AppsV1().StatefulSets(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "berth-data"})
	default:
		return fmt.Errorf("%s/%s cannot be scaled", kind, name)
	}
	if err != nil {
		return fmt.Errorf("annotate %s/%s: %w", kind, name, err)
	}
	return nil
}

// recordedReplicas is what replicasAnnotation says, 0 when absent.
func (c *Client) recordedReplicas(ctx context.Context, ns, kind, name string) int32 {
	var ann map[string]string
	switch kind {
	case "deployment":
		if d, err := c.cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{}); err == nil {
			ann = d.Annotations
		}
	case "statefulset":
		if s, err := c.cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{}); err == nil {
			ann = s.Annotations
		}
	}
	n, err := strconv.Atoi(ann[replicasAnnotation])
	if err != nil || n < 0 {
		return 0
	}
	return int32(n)
}

// deleteHelper deletes a helper pod; when it cannot (the API server is gone), it says so and
// how to do it.
func (c *Client) deleteHelper(deadline time.Time, ns, pod string) string {
	err := retry(deadline, func(ctx context.Context) error {
		err := c.cs.CoreV1().Pods(ns).Delete(ctx, pod, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Sprintf("helper pod %s/%s was not deleted (%v): the next berth data push into the claim deletes it, or kubectl delete pod -n %s %s", ns, pod, err, ns, pod)
	}
	return ""
}

// deleteStaleHelpers deletes the helper pods an earlier push into the same claim left behind
// (it could not delete them: the API server was gone).
func (c *Client) deleteStaleHelpers(ctx context.Context, o PushOptions) error {
	pods, err := c.cs.CoreV1().Pods(o.Namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{helperLabel: o.Claim}).String()})
	if err != nil {
		return fmt.Errorf("list helper pods in %s: %w", o.Namespace, err)
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		if err := c.cs.CoreV1().Pods(o.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete helper pod %s an earlier push left: %w", p.Name, err)
		}
		o.Warn(fmt.Sprintf("deleted helper pod %s, left by an earlier push into claim %s", p.Name, o.Claim))
	}
	return nil
}

func (c *Client) getScale(ctx context.Context, ns, kind, name string) (*autoscalingv1.Scale, error) {
	switch kind {
	case "deployment":
		return c.cs.AppsV1().Deployments(ns).GetScale(ctx, name, metav1.GetOptions{})
	case "statefulset":
		return c.cs.AppsV1().StatefulSets(ns).GetScale(ctx, name, metav1.GetOptions{})
	}
	return nil, fmt.Errorf("%s/%s mounts the claim and cannot be scaled (only Deployments and StatefulSets): stop it first", kind, name)
}

func (c *Client) setScale(ctx context.Context, ns, kind, name string, n int32) error {
	s := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: n}}
	var err error
	switch kind {
	case "deployment":
		_, err = c.cs.AppsV1().Deployments(ns).UpdateScale(ctx, name, s, metav1.UpdateOptions{})
	case "statefulset":
		_, err = c.cs.AppsV1().StatefulSets(ns).UpdateScale(ctx, name, s, metav1.UpdateOptions{})
	default:
		return fmt.Errorf("%s/%s cannot be scaled", kind, name)
	}
	if err != nil {
		return fmt.Errorf("scale %s/%s to %d: %w", kind, name, n, err)
	}
	return nil
}

// progress prints one line, rewritten at most every progressEvery: bytes, files, rate, ETA.
type progress struct {
	w     io.Writer
	total int64
	start time.Time
	mu    sync.Mutex
	last  time.Time
}

// progressEvery is the progress line's pace: at 100 MiB/s a line a second would jump by
// 100 MiB (and tell an interrupting test where the copy was a second ago).
const progressEvery = 200 * time.Millisecond

func newProgress(w io.Writer, total int64) *progress {
	return &progress{w: w, total: total, start: time.Now()}
}

func (p *progress) update(c Copied) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < progressEvery {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r%s", p.line(c))
}

func (p *progress) finish(c Copied) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r%s\n", p.line(c))
}

func (p *progress) line(c Copied) string {
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(c.Bytes) / el
	}
	s := mib(c.Bytes)
	if p.total > 0 {
		s += " of " + mib(p.total)
	}
	s += fmt.Sprintf(", %d files (%d sent), %s/s", c.Files, c.SentFiles, mib(int64(rate)))
	if p.total > 0 && rate > 0 && c.Bytes < p.total {
		s += fmt.Sprintf(", ETA %s", (time.Duration(float64(p.total-c.Bytes)/rate) * time.Second).Round(time.Second))
	}
	return s + "   "
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
