package apply

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// DryRun selects a dry-run strategy.
type DryRun string

// Dry-run strategies, as kubectl names them.
const (
	DryRunNone   DryRun = ""
	DryRunClient DryRun = "client"
	DryRunServer DryRun = "server"
)

// Options configure Apply.
type Options struct {
	// Set is the application's ApplySet.
	Set Set
	// DryRun: client reads live state and reports what would change; server also sends every
	// changed object to the server as a dry run.
	DryRun DryRun
	// ForceConflicts takes over fields another field manager owns.
	ForceConflicts bool
	// Prune deletes members of the set that are no longer desired (never PVCs unless
	// PruneVolumes, never Namespaces, never objects outside the set).
	Prune        bool
	PruneVolumes bool
	// Wait follows the rollouts of the workloads until ready, or Timeout.
	Wait    bool
	Timeout time.Duration
	// Parallel bounds the concurrent requests within a wave (default 16).
	Parallel int
	// Out receives one line per changed object and a summary (nil: discarded).
	Out io.Writer
	// Progress shows the rollouts (nil: plain lines on Out).
	Progress Progress
}

// Action says what apply did with one object.
type Action string

// Actions.
const (
	Applied    Action = "applied"    // not a member before: created or adopted
	Configured Action = "configured" // changed
	Unchanged  Action = "unchanged"
	Pruned     Action = "pruned"
	Kept       Action = "kept" // a prune candidate kept: a PVC without --prune-volumes, a Namespace
	Deleted    Action = "deleted"
)

// Change is the outcome for one object.
type Change struct {
	Ref    string // Kind namespace/name (service svc)
	Action Action
	// Note explains the action, e.g. which live edits were reverted.
	Note string
}

// Result is the outcome of Apply.
type Result struct {
	Changes []Change
}

// Count returns how many objects got action a.
func (r *Result) Count(a Action) int {
	n := 0
	for _, c := range r.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// item is one desired object on its way to the server.
type item struct {
	u       *unstructured.Unstructured // the apply patch
	m       *meta.RESTMapping
	live    *unstructured.Unstructured // member found in the cluster, or nil
	applied *unstructured.Unstructured // server's answer
	action  Action
	// reverted lists live edits apply put back
	reverted []conflict
}

func (it *item) key() string {
	return objKey(it.u.GroupVersionKind().GroupKind(), it.u.GetNamespace(), it.u.GetName())
}

func objKey(gk schema.GroupKind, ns, name string) string { return gk.String() + "|" + ns + "|" + name }

// Apply server-side applies objs as the ApplySet opts.Set: in waves, skipping objects whose
// berth-owned fields already hold the desired values, then prunes and waits as asked.
func Apply(ctx context.Context, c *Client, objs []*unstructured.Unstructured, opts Options) (*Result, error) {
	start := time.Now()
	opts = opts.withDefaults()
	items, prev, st, err := c.state(ctx, objs, opts.Set)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		it.live = st.byKey[it.key()]
	}
	res := &Result{}
	cur, err := c.applyWaves(ctx, items, prev, opts)
	for _, it := range items {
		if it.action != "" {
			res.Changes = append(res.Changes, Change{Ref: ref(it.u), Action: it.action, Note: revertNote(it.reverted)})
		}
	}
	if err != nil { // say what did get applied before the failure; a re-run continues from there
		report(opts.Out, res, time.Since(start))
		return res, err
	}
	gks, nss := setContents(items)
	if opts.Prune {
		pr, err := c.prune(ctx, items, st, opts)
		res.Changes = append(res.Changes, pr.changes...)
		if err != nil {
			report(opts.Out, res, time.Since(start))
			return res, err
		}
		for _, v := range pr.kept {
			gks, nss = append(gks, v.m.GroupVersionKind.GroupKind()), append(nss, v.u.GetNamespace())
		}
	} else {
		gks, nss = append(gks, prev.groupKinds...), append(nss, prev.namespaces...)
	}
	if opts.DryRun == DryRunNone && !sameParent(cur, opts.Set, gks, nss) {
		if err := c.writeParent(ctx, opts.Set, gks, nss, false); err != nil {
			return res, err
		}
	}
	report(opts.Out, res, time.Since(start))
	if opts.Wait && opts.DryRun == DryRunNone {
		return res, c.Wait(ctx, workloads(items), opts.Set, WaitOptions{Timeout: opts.Timeout, Progress: opts.Progress, Out: opts.Out})
	}
	return res, nil
}

func (o Options) withDefaults() Options {
	if o.Parallel <= 0 {
		o.Parallel = 16
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	return o
}

// state prepares objs (prepare) and reads what the cluster holds of s: the ApplySet's parent
// and its live members.
func (c *Client) state(ctx context.Context, objs []*unstructured.Unstructured, s Set) ([]*item, parent, *members, error) {
	items, err := c.prepare(ctx, objs, s)
	if err != nil {
		return nil, parent{}, nil, err
	}
	prev, err := c.readParent(ctx, s)
	if err != nil {
		return nil, parent{}, nil, err
	}
	st, err := c.readMembers(ctx, s, items, prev)
	return items, prev, st, err
}

// prepare turns objs into apply patches: normalized, resolved to resources, defaulted to the
// set's namespace, labelled as members (unless s is the zero Set). Duplicates are an error.
func (c *Client) prepare(ctx context.Context, objs []*unstructured.Unstructured, s Set) ([]*item, error) {
	seen := map[string]bool{}
	crds := crdKinds(objs)
	var items []*item
	for _, o := range objs {
		u := Patch(o)
		m, err := c.mapping(ctx, u.GroupVersionKind())
		namespaced, deferred := crds[u.GroupVersionKind().GroupKind()]
		switch {
		case err == nil:
			namespaced = m.Scope.Name() == meta.RESTScopeNameNamespace
		case deferred && meta.IsNoMatchError(err):
			m = nil // mapped once wave 0 has created its CRD
		default:
			return nil, fmt.Errorf("%s: %w", ref(u), err)
		}
		if namespaced {
			if u.GetNamespace() == "" {
				u.SetNamespace(s.Namespace)
			}
		} else {
			u.SetNamespace("")
		}
		if s != (Set{}) { // the zero Set: objects another tool applied, not members
			labels := u.GetLabels()
			if labels == nil {
				labels = map[string]string{}
			}
			labels[LabelPartOf] = s.ID()
			u.SetLabels(labels)
		}
		it := &item{u: u, m: m}
		if seen[it.key()] {
			return nil, fmt.Errorf("%s: defined twice", ref(u))
		}
		seen[it.key()] = true
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool { return lessObj(items[i].u, items[j].u) })
	return items, nil
}

// setContents returns the group kinds and namespaces of the set's members.
func setContents(items []*item) ([]schema.GroupKind, []string) {
	var gks []schema.GroupKind
	var nss []string
	for _, it := range items {
		gks = append(gks, it.u.GroupVersionKind().GroupKind())
		if ns := it.u.GetNamespace(); ns != "" {
			nss = append(nss, ns)
		}
	}
	return gks, nss
}

// applyWaves applies the changed items wave by wave. The parent is brought up to the superset
// of old and new kinds after the first wave (which creates its namespace) and before any
// member that lives in a namespace, as the ApplySet specification requires.
func (c *Client) applyWaves(ctx context.Context, items []*item, prev parent, opts Options) (parent, error) {
	var waves [waveCount][]*item
	for _, it := range items {
		if it.live != nil && upToDate(it.u, it.live) {
			it.action, it.applied = Unchanged, it.live
			continue
		}
		w := waveOf(it.u.GetKind())
		waves[w] = append(waves[w], it)
	}
	for w, batch := range waves {
		if w == WaveIdentity && opts.DryRun == DryRunNone {
			if err := c.resolveDeferred(ctx, items, opts.Timeout); err != nil {
				return prev, err
			}
			gks, nss := setContents(items)
			gks, nss = append(gks, prev.groupKinds...), append(nss, prev.namespaces...)
			if !sameParent(prev, opts.Set, gks, nss) {
				if err := c.writeParent(ctx, opts.Set, gks, nss, false); err != nil {
					return prev, err
				}
				prev = parent{exists: true, groupKinds: gks, namespaces: nss}
			}
		}
		if err := c.applyBatch(ctx, batch, opts); err != nil {
			return prev, err
		}
	}
	return prev, nil
}

// applyBatch applies items in parallel (bounded) and joins their errors.
func (c *Client) applyBatch(ctx context.Context, batch []*item, opts Options) error {
	if len(batch) == 0 {
		return nil
	}
	errs := make([]error, len(batch))
	forEach(len(batch), opts.Parallel, func(i int) {
		errs[i] = c.applyOne(ctx, batch[i], opts)
	})
	return errors.Join(errs...)
}

// forEach runs fn(0..n-1) on at most par goroutines.
func forEach(n, par int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, par) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (c *Client) applyOne(ctx context.Context, it *item, opts Options) error {
	if opts.DryRun == DryRunClient || it.m == nil { // it.m: its CRD is not served yet (dry run)
		if it.m == nil && opts.DryRun == DryRunNone {
			return fmt.Errorf("%s: the server does not serve its kind", ref(it.u))
		}
		it.action, it.applied = dryAction(it), it.u
		return nil
	}
	ao := metav1.ApplyOptions{FieldManager: FieldManager, Force: opts.ForceConflicts}
	if opts.DryRun == DryRunServer {
		ao.DryRun = []string{metav1.DryRunAll}
	}
	got, err := c.send(ctx, it, ao)
	if cs := conflictsOf(err); !opts.ForceConflicts && len(cs) > 0 && allImperative(cs) {
		// live edits of fields berth owned (kubectl edit, patch, scale): drift, put it back
		ao.Force = true
		got, err = c.send(ctx, it, ao)
		it.reverted = cs
	}
	if err != nil {
		return applyError(it.u, err)
	}
	it.applied = got
	it.action = actionOf(it.live, got, opts.DryRun)
	return nil
}

// actionOf names what an apply that answered got did to live. A dry run never bumps the
// resourceVersion, so its answer is compared with live without the server-owned fields.
func actionOf(live, got *unstructured.Unstructured, dry DryRun) Action {
	switch {
	case live == nil:
		return Applied
	case dry == DryRunServer:
		a, errA := diffText(live)
		b, errB := diffText(got)
		if errA == nil && errB == nil && a == b {
			return Unchanged
		}
		return Configured
	case got.GetResourceVersion() == live.GetResourceVersion():
		return Unchanged
	}
	return Configured
}

func (c *Client) send(ctx context.Context, it *item, ao metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	var got *unstructured.Unstructured
	err := c.retry(ctx, func() error {
		var err error
		got, err = c.resource(it.m, it.u.GetNamespace()).Apply(ctx, it.u.GetName(), it.u, ao)
		return err
	})
	return got, err
}

func dryAction(it *item) Action {
	if it.live == nil {
		return Applied
	}
	return Configured
}

// report prints the changed objects and a summary line.
func report(w io.Writer, r *Result, took time.Duration) {
	counts := map[Action]int{}
	for _, ch := range r.Changes {
		counts[ch.Action]++
		switch {
		case ch.Action == Unchanged:
		case ch.Note != "":
			fmt.Fprintf(w, "%s %s (%s)\n", ch.Ref, ch.Action, ch.Note)
		default:
			fmt.Fprintf(w, "%s %s\n", ch.Ref, ch.Action)
		}
	}
	var parts []string
	for _, a := range []Action{Applied, Configured, Unchanged, Pruned, Kept} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	if len(parts) == 0 {
		parts = []string{"nothing applied"}
	}
	fmt.Fprintf(w, "%s in %s\n", strings.Join(parts, ", "), took.Round(time.Millisecond))
}
