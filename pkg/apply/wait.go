package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// WaitOptions configure Wait.
type WaitOptions struct {
	// Timeout bounds the wait (default 5 minutes).
	Timeout time.Duration
	// Interval between status polls (default 500ms).
	Interval time.Duration
	// Progress shows the rollouts (nil: plain lines on Out).
	Progress Progress
	Out      io.Writer
}

// ErrNotReady marks a wait that ended with workloads not ready.
var ErrNotReady = errors.New("rollout not finished")

// watched is one workload Wait follows.
type watched struct {
	u       *unstructured.Unstructured // last seen
	m       *meta.RESTMapping
	tracker Tracker
	state   Rollout
}

func workloads(items []*item) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, it := range items {
		if waitable(it.u.GetKind()) {
			out = append(out, it.u)
		}
	}
	return out
}

// Wait follows the rollouts of the Deployments, StatefulSets, DaemonSets and Jobs among objs
// (members of s) until all are done, one fails, or the timeout passes. It polls with one list
// request per kind and namespace. With the zero Set it follows objs by name whoever applied
// them (a Helm release's objects). When it fails it explains why: the pods' waiting reasons,
// scheduling failures, pending volume claims and recent warning events.
func (c *Client) Wait(ctx context.Context, objs []*unstructured.Unstructured, s Set, o WaitOptions) error {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Interval <= 0 {
		o.Interval = 500 * time.Millisecond
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Progress == nil {
		o.Progress = PlainProgress(o.Out)
	}
	ws, err := c.watchList(ctx, objs, o.Progress)
	if err != nil || len(ws) == 0 {
		return err
	}
	err = c.poll(ctx, ws, s, o)
	for _, w := range ws {
		if !w.state.Done && w.state.Failed == "" {
			w.tracker.Abort(w.state.Waiting)
		}
	}
	o.Progress.Close()
	if err != nil {
		return err
	}
	return c.verdict(ctx, ws, o.Timeout)
}

func (c *Client) watchList(ctx context.Context, objs []*unstructured.Unstructured, p Progress) ([]*watched, error) {
	var ws []*watched
	for _, u := range objs {
		if !waitable(u.GetKind()) {
			continue
		}
		m, err := c.mapping(ctx, u.GroupVersionKind())
		if err != nil {
			return nil, err
		}
		ws = append(ws, &watched{u: u, m: m, tracker: p.Track(ref(u))})
	}
	return ws, nil
}

// poll refreshes the workloads until all are done or one failed (nil), or the timeout passed
// (nil, the verdict explains), or ctx ended.
func (c *Client) poll(ctx context.Context, ws []*watched, s Set, o WaitOptions) error {
	deadline := time.Now().Add(o.Timeout)
	for {
		if err := c.refresh(ctx, ws, s); err != nil {
			return err
		}
		pending, failed := 0, false
		for _, w := range ws {
			w.state = RolloutOf(w.u)
			w.tracker.Update(w.state)
			if w.state.Failed != "" {
				failed = true
			} else if !w.state.Done {
				pending++
			}
		}
		if pending == 0 || failed || time.Now().After(deadline) {
			return nil
		}
		t := time.NewTimer(min(o.Interval, time.Until(deadline)+time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// refresh re-reads the workloads: one list of the set's members per kind and namespace.
func (c *Client) refresh(ctx context.Context, ws []*watched, s Set) error {
	seen := map[string]bool{}
	var scs []scope
	for _, w := range ws {
		k := w.m.Resource.String() + "|" + w.u.GetNamespace()
		if !seen[k] {
			seen[k] = true
			scs = append(scs, scope{m: w.m, ns: w.u.GetNamespace()})
		}
	}
	st, err := c.listScopes(ctx, s, scs)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if live := st.byKey[objKey(w.m.GroupVersionKind.GroupKind(), w.u.GetNamespace(), w.u.GetName())]; live != nil {
			w.u = live
		}
	}
	return nil
}

// verdict turns the final states into nil or an error that explains every unfinished rollout.
func (c *Client) verdict(ctx context.Context, ws []*watched, timeout time.Duration) error {
	var bad []string
	for _, w := range ws {
		if w.state.Done {
			continue
		}
		what := w.state.Failed
		if what == "" {
			what = fmt.Sprintf("not ready after %s (%s)", timeout, w.state.Waiting)
		}
		head := fmt.Sprintf("%s: %d/%d ready: %s", ref(w.u), w.state.Ready, w.state.Desired, what)
		lines := c.explain(ctx, w.u, what)
		bad = append(bad, strings.Join(append([]string{head}, lines...), "\n    "))
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n  %s\nnext: fix the cause above and run the command again; `berth status` shows the current state",
		ErrNotReady, strings.Join(bad, "\n  "))
}

// get re-reads one object (used by commands that act on a few objects).
func (c *Client) get(ctx context.Context, m *meta.RESTMapping, ns, name string) (*unstructured.Unstructured, error) {
	var u *unstructured.Unstructured
	err := c.retry(ctx, func() error {
		var err error
		u, err = c.resource(m, ns).Get(ctx, name, metav1.GetOptions{})
		return err
	})
	return u, err
}
