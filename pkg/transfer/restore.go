package transfer

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/data"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// RestoreOptions say which dump goes into which store.
type RestoreOptions struct {
	Namespace string
	Store     data.Store
	Port      int // the store's port, 0: the engine's default
	// Dump is the dump; its first bytes say its kind.
	Dump    io.Reader
	Name    string // the dump's name, for messages
	Out     io.Writer
	Timeout time.Duration // waiting for a ready pod
}

// Restore streams a dump into the store's running pod, where the store's own tool reads it
// with the credentials of the container's environment.
func (c *Client) Restore(ctx context.Context, o RestoreOptions) error {
	br := bufio.NewReaderSize(o.Dump, 4096)
	head, _ := br.Peek(512)
	var dump io.Reader = br
	gz := ""
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		// a gzip-compressed dump (db.sql.gz, dump.rdb.gz): berth decompresses it on its way
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: not a readable gzip file (%v): nothing was restored", o.Name, err)
		}
		defer zr.Close()
		inner := bufio.NewReaderSize(zr, 4096)
		var perr error
		if head, perr = inner.Peek(512); perr != nil && perr != io.EOF && perr != bufio.ErrBufferFull {
			return fmt.Errorf("%s: not a readable gzip file (%v): nothing was restored", o.Name, perr)
		}
		dump, gz = inner, "gzip-compressed "
	}
	kind, what := data.Sniff(head)
	if kind != o.Store.Engine {
		desc := "no dump berth knows"
		switch {
		case gz != "" && what == "":
			desc = "a gzip-compressed file that holds no dump berth knows"
		case gz != "":
			desc = "a " + gz + strings.TrimPrefix(what, "a ")
		case what != "":
			desc = what
		}
		return fmt.Errorf("%s is %s, not a dump %s reads (service %s): nothing was restored", o.Name, desc, o.Store.Engine.Title(), o.Store.Service)
	}
	script, err := data.RestoreScript(o.Store, what, o.Port)
	if err != nil {
		return err
	}
	pod, err := c.readyPod(ctx, o.Namespace, o.Store.Workload, o.Timeout)
	if err != nil {
		return err
	}
	var stderr strings.Builder
	err = c.Exec(ctx, o.Namespace, pod, o.Store.Container, []string{"sh", "-c", script}, dump, o.Out, &stderr)
	if err != nil {
		return fmt.Errorf("restore %s into %s (pod %s): %w: %s", o.Name, o.Store.Service, pod, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// readyPod finds a running, ready pod of a workload (kind/name, lower-case kind).
func (c *Client) readyPod(ctx context.Context, ns, workload string, timeout time.Duration) (string, error) {
	kind, name, _ := strings.Cut(workload, "/")
	var sel *metav1.LabelSelector
	switch kind {
	case "statefulset":
		s, err := c.cs.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("%s in %s: %w (apply the data tier first: berth apply --only SERVICE)", workload, ns, err)
		}
		sel = s.Spec.Selector
	case "deployment":
		d, err := c.cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", fmt.Errorf("%s in %s: %w (apply the data tier first: berth apply --only SERVICE)", workload, ns, err)
		}
		sel = d.Spec.Selector
	default:
		return "", fmt.Errorf("%s: a store must run as a Deployment or a StatefulSet", workload)
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	for {
		pods, err := c.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: s.String()})
		if err != nil {
			return "", err
		}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && ready(p) && p.DeletionTimestamp == nil {
				return p.Name, nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no ready pod of %s in %s after %s (%s)", workload, ns, timeout, labels.FormatLabels(sel.MatchLabels))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func ready(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// RunningServices are the services (app.kubernetes.io/name of running pods in ns) other than
// those in except: during a switch-over, the app tier should not run while a store's data is
// replaced.
func (c *Client) RunningServices(ctx context.Context, ns string, except ...string) ([]string, error) {
	pods, err := c.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range pods.Items {
		svc := p.Labels["app.kubernetes.io/name"]
		if svc == "" || seen[svc] || p.Status.Phase != corev1.PodRunning || slices.Contains(except, svc) || p.Labels[helperLabel] != "" {
			continue
		}
		seen[svc] = true
		out = append(out, svc)
	}
	sort.Strings(out)
	return out, nil
}
