package realnode_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/test/cluster/realnode"
)

// realApps are real self-hosted apps of ../shared/corpus/realapps (see their SOURCE files) with
// several services that talk to each other, images pinned by tag (a stand-in cannot match a
// digest), no Docker socket and no one-shot Job (a stand-in never exits).
var realApps = []string{
	"docmost/docker-compose.yml",
	"n8n/docker-compose/withPostgresAndWorker/docker-compose.yml",
	"netbox/docker-compose.yml",
}

// TestRealApps runs real apps as converted on the real node, every image replaced by a stand-in
// (test/realnode/cmd/standin) that keeps the app's ports, environment and healthchecks: the
// Compose file is converted and applied unchanged (berth apply -f, --wait: every pod Ready
// through its converted probes, every dependency wait satisfied), then every connection the
// audit found is dialed from inside the dialer's pod, by the name the dialer uses: each must
// reach its target through the Service.
func TestRealApps(t *testing.T) {
	dir := corpus.Dir(t, "realapps")
	ctx := context.Background()
	realnode.Require(t)
	s := startShopNode(ctx, t, convert.DefaultWaitImage, convert.DefaultJobWaitImage)
	for _, rel := range realApps {
		file := filepath.Join(dir, rel)
		t.Run(strings.SplitN(rel, "/", 2)[0], func(t *testing.T) {
			app, err := compose.Load(ctx, compose.Options{Files: []string{file}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := convert.Convert(app, convert.Options{})
			if err != nil {
				t.Fatal(err)
			}
			img, refs, err := standinImage(ctx, res)
			if err != nil {
				t.Fatal(err)
			}
			for _, ref := range refs {
				if err := s.n.Push(ctx, ref, img); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			out, err := runBerth(s.berth, "apply", "-f", file, "--kubeconfig", s.n.Kubeconfig, "--wait", "--timeout", applyTimeout())
			t.Logf("berth apply --wait took %s:\n%s", since(start), out)
			if err != nil {
				dumpPods(ctx, t, s.cs)
				t.Fatalf("berth apply --wait: %v", err)
			}
			checked, targets := 0, dialTargets(app.Name, res)
			for _, c := range targets {
				args := []string{"--kubeconfig", s.n.Kubeconfig, "-n", c.ns, "exec", c.workload, "-c", c.container, "--", "/standin-dial", c.addr}
				b, err := exec.CommandContext(ctx, s.kubectl, args...).CombinedOutput()
				if err != nil {
					t.Errorf("%s dials %s (%s): %v\n%s", c.from, c.addr, c.field, err, b)
					continue
				}
				checked++
				t.Logf("%s -> %s (%s): %s", c.from, c.addr, c.field, strings.TrimSpace(string(b)))
			}
			if checked == 0 {
				t.Error("no connection was checked")
			}
			t.Logf("%d services Ready through their probes; %d of %d connections (distinct dialer and address, of %d the audit found) reached their Service",
				len(app.Services), checked, len(targets), len(res.Connections))
		})
	}
}

// dialTarget is one connection to check from inside the dialer's pod.
type dialTarget struct {
	from, field, ns, workload, container, addr string
}

// dialTargets are the resolved connections of res, each once per dialer and address, dialed by
// the name the dialer's value holds (the answering Service's name when that name is no DNS
// label: berth rewrote the value to it), at the address's port or, for a host alone
// (DB_HOST=postgres), the first port of the answering Service.
func dialTargets(ns string, res *convert.Result) []dialTarget {
	workloads := map[string][2]string{} // service label -> workload ref, first container
	for _, o := range res.Objects {
		ps := convert.PodSpec(o)
		kind := strings.ToLower(o.GetObjectKind().GroupVersionKind().Kind)
		if ps == nil || (kind != "deployment" && kind != "statefulset") {
			continue
		}
		workloads[o.GetLabels()[convert.LabelName]] = [2]string{kind + "/" + o.GetName(), ps.Containers[0].Name}
		ns = o.GetNamespace()
	}
	svcPort := map[string]string{}
	for _, o := range res.Objects {
		if sv, ok := o.(*corev1.Service); ok && len(sv.Spec.Ports) > 0 {
			svcPort[sv.Name] = strconv.Itoa(int(sv.Spec.Ports[0].Port))
		}
	}
	seen := map[string]bool{}
	var out []dialTarget
	for _, c := range res.Connections {
		host, port, err := net.SplitHostPort(c.Address)
		if err != nil {
			host, port = c.Address, svcPort[c.Service]
		}
		if c.Service == "" || port == "" {
			continue
		}
		if len(validation.IsDNS1035Label(strings.ToLower(host))) > 0 {
			host = c.Service
		}
		w, ok := workloads[objectName(c.From)]
		key := c.From + " " + host + ":" + port
		if seen[key] {
			continue
		}
		if !ok {
			w = [2]string{"missing-workload-of-" + objectName(c.From), "?"} // fails at exec, naming it
		}
		seen[key] = true
		out = append(out, dialTarget{from: c.From, field: c.Field, ns: ns, workload: w[0], container: w[1],
			addr: net.JoinHostPort(strings.ToLower(host), port)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from+out[i].addr < out[j].from+out[j].addr })
	return out
}

// objectName is the object name of service svc (its workload's app.kubernetes.io/name) for
// the names of realApps: lower-case, '_' and '.' as '-'.
func objectName(svc string) string {
	return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(svc))
}

// standinImage is the stand-in for every image res runs (init containers' busybox aside): the
// standin program, listening on every container and probe port of the app, with links at the
// paths the containers' commands and exec probes start, so they run it.
func standinImage(ctx context.Context, res *convert.Result) (v1.Image, []string, error) {
	bin, err := realnode.GoBinary(ctx, "github.com/berth-dev/berth/test/realnode/cmd/standin")
	if err != nil {
		return nil, nil, err
	}
	ports, links, refs := map[int32]bool{}, map[string]bool{"/standin-dial": true}, map[string]bool{}
	for _, o := range res.Objects {
		ps := convert.PodSpec(o)
		if ps == nil {
			continue
		}
		for _, c := range ps.Containers {
			refs[c.Image] = true
			for _, p := range c.Ports {
				ports[p.ContainerPort] = true
			}
			for _, word := range firstWords(c) {
				if strings.HasPrefix(word, "/") {
					links[path.Clean(word)] = true
					continue
				}
				for _, d := range []string{"/bin/", "/usr/bin/", "/usr/local/bin/"} {
					links[d+word] = true
				}
			}
			for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
				if p != nil && p.HTTPGet != nil && p.HTTPGet.Port.IntVal > 0 {
					ports[p.HTTPGet.Port.IntVal] = true
				}
				if p != nil && p.TCPSocket != nil && p.TCPSocket.Port.IntVal > 0 {
					ports[p.TCPSocket.Port.IntVal] = true
				}
			}
		}
	}
	files := []realnode.File{{Path: "/standin", Mode: 0o755, Data: bin}}
	for l := range links {
		if l != "/standin" {
			files = append(files, realnode.File{Path: l, Link: "/standin"})
		}
	}
	var ps []string
	for p := range ports {
		ps = append(ps, strconv.Itoa(int(p)))
	}
	sort.Strings(ps)
	img, err := realnode.Image(files, realnode.ImageConfig{Entrypoint: []string{"/standin"}, Env: []string{"STANDIN_PORTS=" + strings.Join(ps, ",")}})
	if err != nil {
		return nil, nil, fmt.Errorf("stand-in image: %w", err)
	}
	var out []string
	for r := range refs {
		out = append(out, r)
	}
	sort.Strings(out)
	return img, out, nil
}

// firstWords are the programs c's command and exec probes start (sh for a shell form).
func firstWords(c corev1.Container) []string {
	var out []string
	if len(c.Command) > 0 {
		out = append(out, c.Command[0])
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		if p != nil && p.Exec != nil && len(p.Exec.Command) > 0 {
			out = append(out, p.Exec.Command[0])
		}
	}
	return append(out, "sh")
}
