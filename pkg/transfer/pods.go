package transfer

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"
)

// helperLabel marks berth's helper pods (its value is the claim).
const helperLabel = "berth.dev/data-push"

// helperPod starts the pod that mounts the claim and waits until it runs. It returns the
// pod's name as soon as it exists, so the caller deletes it whatever happens.
func (c *Client) helperPod(ctx context.Context, o PushOptions) (string, error) {
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
	name := created.Name
	deadline := time.Now().Add(o.Timeout)
	for {
		got, err := c.cs.CoreV1().Pods(o.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return name, fmt.Errorf("helper pod %s: %w", name, err)
		}
		switch got.Status.Phase {
		case corev1.PodRunning:
			return name, nil
		case corev1.PodFailed, corev1.PodSucceeded:
			return name, fmt.Errorf("helper pod %s ended (%s) before the copy: %s", name, got.Status.Phase, c.why(ctx, got))
		}
		if time.Now().After(deadline) {
			return name, fmt.Errorf("helper pod %s did not start within %s: %s", name, o.Timeout, c.why(ctx, got))
		}
		select {
		case <-ctx.Done():
			return name, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
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

// scaleDown scales o.Workloads to 0 and waits until no pod mounts the claim; the returned
// function scales them back to what they had.
func (c *Client) scaleDown(ctx context.Context, o PushOptions) (func() error, error) {
	type was struct {
		kind, name string
		replicas   int32
	}
	var done []was
	restore := func() error {
		var errs []string
		for _, w := range done {
			if err := c.setScale(context.WithoutCancel(ctx), o.Namespace, w.kind, w.name, w.replicas); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("scale back: %s", strings.Join(errs, "; "))
		}
		return nil
	}
	for _, wl := range o.Workloads {
		kind, name, _ := strings.Cut(wl, "/")
		s, err := c.getScale(ctx, o.Namespace, kind, name)
		if err != nil {
			return restore, err
		}
		if s.Spec.Replicas == 0 {
			continue
		}
		if err := c.setScale(ctx, o.Namespace, kind, name, 0); err != nil {
			return restore, err
		}
		done = append(done, was{kind, name, s.Spec.Replicas})
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
		case <-time.After(500 * time.Millisecond):
		}
	}
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

// progress prints one line, rewritten at most once a second: bytes, files, rate, ETA.
type progress struct {
	w     io.Writer
	total int64
	start time.Time
	mu    sync.Mutex
	last  time.Time
}

func newProgress(w io.Writer, total int64) *progress {
	return &progress{w: w, total: total, start: time.Now()}
}

func (p *progress) update(c Copied) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < time.Second {
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
