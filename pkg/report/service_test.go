package report

import (
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// workloadInput: web is autoscaled (HPA minimum 3, no spec.replicas) and privileged; agent is
// a DaemonSet meeting restricted; db mounts a named volume and a bind mount.
func workloadInput() (*model.App, *convert.Result) {
	app := &model.App{
		Name: "shop", Source: model.Compose, Dir: "/src/shop",
		Services: []*model.Service{
			{Name: "web", Containers: []model.Container{{Name: "web"}}},
			{Name: "agent", Containers: []model.Container{{Name: "agent"}}},
			{Name: "db", Containers: []model.Container{{Name: "db", Mounts: []model.Mount{
				{Type: model.MountVolume, Source: "data", Target: "/var/lib/postgresql/data"},
				{Type: model.MountBind, Source: "/src/shop/init.sql", Target: "/docker-entrypoint-initdb.d/init.sql",
					Files: []model.File{{Content: []byte("select 1")}}},
			}}}},
		},
		Volumes: []model.Volume{{Name: "data"}},
	}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: convert.Labels("shop", name)}
	}
	web := ctr("250m", "256Mi")
	web.Name = "web"
	web.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: web.Resources.Requests[corev1.ResourceMemory]}
	web.SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	agent := ctr("50m", "64Mi")
	agent.Name = "agent"
	agent.SecurityContext = &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false), RunAsNonRoot: ptr.To(true),
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	res := &convert.Result{Objects: []convert.Object{
		&appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: meta("agent"),
			Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{agent}}}}},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: meta("web"),
			Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{web}}}}},
		&autoscalingv2.HorizontalPodAutoscaler{TypeMeta: metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
			ObjectMeta: meta("web"), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{MinReplicas: ptr.To[int32](3), MaxReplicas: 6,
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}}},
	}}
	return app, res
}

func TestWorkloadDetails(t *testing.T) {
	app, res := workloadInput()
	r := Build(app, res, nil)
	byName := map[string]Service{}
	for _, s := range r.Services {
		byName[s.Name] = s
	}
	web, agent, db := byName["web"], byName["agent"], byName["db"]
	if web.Workload != "Deployment/web" || web.PodSecurity == nil || web.PodSecurity.Level != "privileged" {
		t.Fatalf("web: workload %q, grade %+v; want Deployment/web, privileged", web.Workload, web.PodSecurity)
	}
	if !strings.Contains(strings.Join(web.PodSecurity.Baseline, " "), "privileged") {
		t.Errorf("web: baseline violations %q do not name privileged", web.PodSecurity.Baseline)
	}
	if agent.PodSecurity == nil || agent.PodSecurity.Level != "restricted" {
		t.Errorf("agent: grade %+v, want restricted", agent.PodSecurity)
	}
	if db.PodSecurity != nil || db.Workload != "" {
		t.Errorf("db has no workload object, got %q %+v", db.Workload, db.PodSecurity)
	}
	if diff := cmp.Diff([]Resources{{Container: "web", CPU: "250m", Memory: "256Mi", MemLimit: "256Mi"}}, web.Resources); diff != "" {
		t.Errorf("web resources (-want +got):\n%s", diff)
	}
	wantVols := []VolumeUse{
		{Source: "data", Target: "/var/lib/postgresql/data", Type: "volume", Data: "PersistentVolumeClaim: copy the volume's data before the switch"},
		{Source: "./init.sql", Target: "/docker-entrypoint-initdb.d/init.sql", Type: "bind", Data: "bind mount: content from the project directory, in a ConfigMap"},
	}
	if diff := cmp.Diff(wantVols, db.Volumes); diff != "" {
		t.Errorf("db volumes (-want +got):\n%s", diff)
	}
	md := string(markdown(r))
	for _, want := range []string{
		"Pod Security: **privileged**", "- baseline rejects: privileged", "Pod Security: **restricted**",
		"| web | 250m | 256Mi |  | 256Mi |", "| `data` | `/var/lib/postgresql/data` | PersistentVolumeClaim",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// The HTML page's request totals are the report's Totals.Requests: the autoscaled Deployment
// counts at its minimum (3 × 250m), the DaemonSet per node. The graph data carries no totals
// of its own.
func TestHTMLRequestsAreTotals(t *testing.T) {
	app, res := workloadInput()
	r := Build(app, res, nil)
	if diff := cmp.Diff(Requests{CPU: "750m", Memory: "768Mi", PerNodeCPU: "50m", PerNodeMemory: "64Mi"}, r.Totals.Requests); diff != "" {
		t.Fatalf("totals (-want +got):\n%s", diff)
	}
	page, err := Render(r, HTML)
	if err != nil {
		t.Fatal(err)
	}
	table := regexp.MustCompile(`(?s)<table id="requests">(.*?)</table>`).FindSubmatch(page)
	if table == nil {
		t.Fatal("no requests table in the page")
	}
	cells := regexp.MustCompile(`<td[^>]*>([^<]*)</td>`).FindAllSubmatch(table[1], -1)
	var got []string
	for _, c := range cells {
		got = append(got, string(c[1]))
	}
	want := []string{"Deployments and StatefulSets", "750m", "768Mi", "DaemonSets, per node", "50m", "64Mi"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests table (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"cpuRequest", "memRequest"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("page data still carries %s: the totals have one source", bad)
		}
	}
	for _, want := range []string{`<span class="psa-privileged">privileged</span>`, "<td>web</td><td class=\"n\">250m</td>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
