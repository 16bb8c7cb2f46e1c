package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/pkg/data"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mountPath is where the helper pod mounts the claim.
const mountPath = "/claim"

// PushOptions say what to copy where.
type PushOptions struct {
	Namespace, Claim string
	// Template is the claim to create when it does not exist yet (a StatefulSet's claim of
	// pod 0, named and labelled as the StatefulSet controller names it, which then adopts it);
	// nil: the claim must exist.
	Template *corev1.PersistentVolumeClaim
	// Workloads are the app's workloads that mount the claim (kind/name, lower-case kind:
	// deployment/web), scaled to 0 and back with ScaleDown.
	Workloads []string
	// FSGroup is the pod fsGroup of the workloads that mount the claim, given to the helper
	// pod so the volume is mounted as they see it. The helper runs as root, to keep owners.
	FSGroup *int64
	Image   string
	// Force replaces a non-empty claim's content; Resume keeps what already matches and sends
	// the rest; ScaleDown stops the claim's workloads for the copy instead of refusing.
	Force, Resume, ScaleDown bool
	Source                   io.Reader // a tar stream; a *Dir's files are hashed while the helper pod starts
	// Total is the source's file bytes (0: unknown, no ETA), asked once the copy begins.
	Total    func() int64
	Progress io.Writer // nil: no progress line
	Warn     func(string)
	// Timeout bounds waiting for the helper pod to start and for pods to stop.
	Timeout time.Duration
}

// PushResult is what a push did.
type PushResult struct {
	Copied
	Verified int      // entries whose checksums and metadata the target matched
	Scaled   []string // workloads scaled to 0 and back
	// LeftDown are the workloads scaled to 0 that could not be scaled back (the API server
	// went away): the error says so; the next push with ScaleDown scales them back.
	LeftDown []string
	Created  bool // the claim was created from Template
	// Check, Start, Copy, Verify and Cleanup are how long the checks before the copy took
	// (the claim, its users, helper pods left behind), the helper pod to run, the stream (the
	// pod hashes the files as they land meanwhile), the rest of the verification after it (the
	// last batch's hashes, the listing, the comparison), and deleting the helper pod and
	// scaling the workloads back.
	Check, Start, Copy, Verify, Cleanup time.Duration
}

// Push copies o.Source into the claim through a helper pod and verifies the copy.
func (c *Client) Push(ctx context.Context, o PushOptions) (res PushResult, err error) {
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	tc := time.Now()
	if res.Created, err = c.ensureClaim(ctx, o); err != nil {
		return res, err
	}
	users, err := c.claimUsers(ctx, o.Namespace, o.Claim)
	if err != nil {
		return res, err
	}
	// cleanups run whatever happens; what they could not do is added to the error
	var cleanups []func(deadline time.Time) string
	defer func() {
		var notes []string
		start := time.Now()
		defer func() { res.Cleanup = time.Since(start) }()
		deadline := start.Add(cleanupFor)
		for i := len(cleanups) - 1; i >= 0; i-- {
			if n := cleanups[i](deadline); n != "" {
				notes = append(notes, n)
			}
		}
		switch {
		case len(notes) == 0:
		case err == nil:
			err = errors.New(strings.Join(notes, "; "))
		default:
			err = fmt.Errorf("%w; %s", err, strings.Join(notes, "; "))
		}
	}()
	if len(users) > 0 && !o.ScaleDown {
		return res, fmt.Errorf("claim %s is in use by running pods (%s): stop them, or pass --scale-down to scale %s to 0 for the copy and back after",
			o.Claim, strings.Join(users, ", "), strings.Join(o.Workloads, ", "))
	}
	// the workloads are scaled back after the helper pod is deleted (cleanups run last first)
	var restore func(time.Time) ([]string, []string, string)
	cleanups = append(cleanups, func(deadline time.Time) string {
		if restore == nil {
			return ""
		}
		scaled, left, note := restore(deadline)
		res.Scaled, res.LeftDown = scaled, left
		return note
	})
	if err := c.deleteStaleHelpers(ctx, o); err != nil {
		return res, err
	}
	t0 := time.Now()
	res.Check = t0.Sub(tc)
	// a directory's files are hashed while the helper pod starts, until the stream begins
	var a *ahead
	stopAhead := func() {}
	if d, ok := o.Source.(*Dir); ok {
		a = d.ahead
		actx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); a.hash(actx, d.path) }()
		stopAhead = sync.OnceFunc(func() { cancel(); <-done })
		defer stopAhead()
	}
	pod, err := c.createHelper(ctx, o)
	if pod != "" {
		cleanups = append(cleanups, func(deadline time.Time) string { return c.deleteHelper(deadline, o.Namespace, pod) })
	}
	if err != nil {
		return res, err
	}
	// the helper pod starts while the workloads stop: it writes nothing before the copy
	if o.ScaleDown {
		if restore, err = c.scaleDown(ctx, o); err != nil {
			return res, err
		}
	}
	err = c.waitRunning(ctx, o, pod)
	res.Start = time.Since(t0)
	if err != nil {
		return res, err
	}
	var have data.Manifest
	if o.Resume {
		if have, err = c.list(ctx, o.Namespace, pod); err != nil {
			return res, fmt.Errorf("list claim %s: %w", o.Claim, err)
		}
	}
	p := pipeline{
		run: func(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
			return c.Exec(ctx, o.Namespace, pod, "copy", cmd, stdin, stdout, stderr)
		},
		stream: func(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
			return c.execSPDYFirst(ctx, o.Namespace, pod, "copy", cmd, stdin, stdout, stderr)
		},
		root: "/", claim: strings.TrimPrefix(mountPath, "/"), name: o.Claim, stopped: c.whyStopped, ahead: a,
	}
	if !o.Resume {
		p.prep = prepScript(mountPath, o.Force)
	}
	var total int64
	if o.Total != nil {
		total = o.Total()
	}
	stopAhead()
	prog := newProgress(o.Progress, total)
	r, err := p.push(ctx, o.Source, have, total, o.Warn, prog.update)
	prog.finish(r.copied)
	res.Copied, res.Copy, res.Verify = r.copied, r.stream, r.verify
	if err != nil {
		return res, err
	}
	t := time.Now()
	defer func() { res.Verify += time.Since(t) }()
	if diff := data.Compare(r.src, r.target); len(diff) > 0 {
		return res, mismatch(o.Claim, diff)
	}
	res.Verified = len(r.src)
	return res, nil
}

func mismatch(claim string, diff []data.Mismatch) error {
	var lines []string
	for i, d := range diff {
		if i == 10 {
			lines = append(lines, fmt.Sprintf("and %d more", len(diff)-10))
			break
		}
		lines = append(lines, d.String())
	}
	next := "run again with --resume to resend what differs"
	for _, d := range diff {
		if d.What == "not in the source" {
			next = "the claim holds entries the source does not (did the source change?): --force replaces the claim's content"
			break
		}
	}
	return fmt.Errorf("%w: claim %s differs from the source after the copy in %d entries: %s; the claim holds a copy that is not the source's: %s",
		ErrMismatch, claim, len(diff), strings.Join(lines, "; "), next)
}

// ensureClaim creates a missing StatefulSet claim from its template.
func (c *Client) ensureClaim(ctx context.Context, o PushOptions) (bool, error) {
	_, err := c.cs.CoreV1().PersistentVolumeClaims(o.Namespace).Get(ctx, o.Claim, metav1.GetOptions{})
	if err == nil {
		return false, nil
	}
	if !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("claim %s/%s: %w", o.Namespace, o.Claim, err)
	}
	if o.Template == nil {
		return false, fmt.Errorf("claim %s not found in namespace %s: apply the app first (berth apply --only ...), or create the claim of an external volume", o.Claim, o.Namespace)
	}
	t := o.Template.DeepCopy()
	t.Name, t.Namespace = o.Claim, o.Namespace
	if _, err := c.cs.CoreV1().PersistentVolumeClaims(o.Namespace).Create(ctx, t, metav1.CreateOptions{FieldManager: "berth"}); err != nil {
		return false, fmt.Errorf("create claim %s/%s: %w", o.Namespace, o.Claim, err)
	}
	return true, nil
}

// claimUsers are the pods (not finished, not berth's helpers) that mount the claim.
func (c *Client) claimUsers(ctx context.Context, ns, claim string) ([]string, error) {
	pods, err := c.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	var out []string
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed || p.Labels[helperLabel] != "" {
			continue
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
				out = append(out, "pod/"+p.Name)
				break
			}
		}
	}
	return out, nil
}

func (c *Client) list(ctx context.Context, ns, pod string) (data.Manifest, error) {
	out, err := c.output(ctx, ns, pod, "copy", "sh", "-c", data.ListScript(mountPath))
	if err != nil {
		return nil, err
	}
	return data.ParseList(bytes.NewReader(out))
}

// errStopped is what the source side sees when the receiving side ended.
var errStopped = errors.New("the receiving side stopped")

// whyStopped says why the stream into the helper pod ended early: the API server gone, or
// the pod's tar failing (its stderr).
func (c *Client) whyStopped(ctx context.Context, execErr error, stderr string) string {
	if ctx.Err() != nil {
		return "interrupted"
	}
	if err := c.reachable(ctx); err != nil {
		return fmt.Sprintf("the API server went away (%v)", err)
	}
	s := "the stream ended"
	if execErr != nil {
		s = execErr.Error()
	}
	if t := strings.TrimSpace(stderr); t != "" {
		s += ": " + t
	}
	return s
}

// reachable asks the API server for its version, briefly.
func (c *Client) reachable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := c.cs.Discovery().RESTClient().Get().AbsPath("/version").DoRaw(ctx)
	return err
}
