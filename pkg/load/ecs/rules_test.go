package ecs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/render"
)

// These tests pin the ECS conversion rules of docs/ecs.md one by one: each converts a small
// task definition and checks the rendered objects and the report against what ECS does.

type converted struct {
	res  *convert.Result
	objs []map[string]any
}

func convertTask(t *testing.T, task string, opts convert.Options) converted {
	t.Helper()
	app, err := Parse([]Source{NewSource("task.json", []byte(task))}, nil, Options{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	res, _ := convertApp(t, app, opts)
	out := converted{res: res}
	for _, o := range res.Objects {
		m, err := render.Unstructured(o)
		if err != nil {
			t.Fatal(err)
		}
		out.objs = append(out.objs, m)
	}
	return out
}

// obj is the first object of kind (and name, when not empty), or nil.
func (c converted) obj(kind, name string) map[string]any {
	for _, m := range c.objs {
		md, _ := m["metadata"].(map[string]any)
		if m["kind"] == kind && (name == "" || md["name"] == name) {
			return m
		}
	}
	return nil
}

// pod is the pod spec of the first workload.
func (c converted) pod(t *testing.T) map[string]any {
	t.Helper()
	for _, m := range c.objs {
		if ps := podSpec(m); ps != nil {
			return ps
		}
	}
	t.Fatal("no workload")
	return nil
}

// container is the (init) container named name of the first workload.
func (c converted) container(t *testing.T, name string) map[string]any {
	t.Helper()
	ps := c.pod(t)
	for _, key := range []string{"containers", "initContainers"} {
		list, _ := ps[key].([]any)
		for _, x := range list {
			if m, _ := x.(map[string]any); m["name"] == name {
				return m
			}
		}
	}
	t.Fatalf("no container %q", name)
	return nil
}

// at walks m along dot-separated keys and prints the value found ("<nil>" when absent).
func at(m map[string]any, path string) string {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return fmt.Sprint(v)
}

// warnings are the warning texts of the conversion.
func (c converted) warnings() []string {
	var out []string
	for _, d := range c.res.Diagnostics {
		if d.Severity == diag.Warning {
			out = append(out, d.String())
		}
	}
	return out
}

func (c converted) outcome(path string) diag.Accounted {
	for _, a := range c.res.Accounts {
		if a.Path == path {
			return a
		}
	}
	return diag.Accounted{}
}

// TestTaskSizeMerge: task cpu/memory bound every container (limits), and containers without
// their own cpu or memory share what the others do not reserve (requests).
func TestTaskSizeMerge(t *testing.T) {
	c := convertTask(t, `{"family":"f","requiresCompatibilities":["FARGATE"],"networkMode":"awsvpc","cpu":"512","memory":"1024",
		"containerDefinitions":[{"name":"app","image":"app:1","memoryReservation":1024}]}`, convert.Options{})
	app := c.container(t, "app")
	for path, want := range map[string]string{
		"resources.requests.cpu":    "500m",
		"resources.requests.memory": "1Gi",
		"resources.limits.memory":   "1Gi",
		"resources.limits.cpu":      "500m",
	} {
		if got := at(app, path); got != want {
			t.Errorf("%s: got %s, want %s", path, got, want)
		}
	}

	c = convertTask(t, `{"family":"f","cpu":"1024","memory":"2048","containerDefinitions":[
		{"name":"app","image":"app:1","cpu":256,"memory":512},
		{"name":"side","image":"side:1","essential":false},
		{"name":"log","image":"log:1","essential":false,"memoryReservation":256}]}`, convert.Options{})
	for _, tc := range []struct{ ctr, path, want string }{
		{"app", "resources.requests.cpu", "250m"},
		{"app", "resources.limits.cpu", "1"},
		{"app", "resources.limits.memory", "512Mi"},
		// side and log share the 768 CPU units app does not reserve: 384 each.
		{"side", "resources.requests.cpu", "375m"},
		{"log", "resources.requests.cpu", "375m"},
		{"side", "resources.limits.cpu", "1"},
		// side alone has no memory: it gets what app (512) and log (256) do not reserve.
		{"side", "resources.requests.memory", "1280Mi"},
		{"side", "resources.limits.memory", "2Gi"},
		{"log", "resources.requests.memory", "256Mi"},
		{"log", "resources.limits.memory", "2Gi"},
	} {
		if got := at(c.container(t, tc.ctr), tc.path); got != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.ctr, tc.path, got, tc.want)
		}
	}
	if a := c.outcome("cpu"); a.Outcome != diag.Partial {
		t.Errorf("task cpu of a multi-container task: got %v, want partial (Kubernetes has no pod-wide limit)", a.Outcome)
	}
}

// TestHostPortIsServicePort: in bridge mode clients dial the host port, so the Service listens
// on it and forwards to the container port; awsvpc and host tasks with a different host port are
// refused, as ECS refuses them.
func TestHostPortIsServicePort(t *testing.T) {
	c := convertTask(t, `{"family":"kib","containerDefinitions":[{"name":"kibana","image":"kibana:8","memory":512,
		"portMappings":[{"containerPort":5601,"hostPort":80}]}]}`, convert.Options{})
	svc := c.obj("Service", "kib")
	if svc == nil {
		t.Fatal("no Service kib")
	}
	ports, _ := at(svc, "spec.ports"), 0
	sp := svc["spec"].(map[string]any)["ports"].([]any)[0].(map[string]any)
	if fmt.Sprint(sp["port"]) != "80" || fmt.Sprint(sp["targetPort"]) != "5601" {
		t.Errorf("Service port: got %s, want port 80 → targetPort 5601", ports)
	}
	if got := at(c.container(t, "kibana"), "ports"); !strings.Contains(got, "containerPort:5601") || strings.Contains(got, "hostPort") {
		t.Errorf("container ports: got %s, want containerPort 5601 and no hostPort", got)
	}
	for _, mode := range []string{"awsvpc", "host"} {
		_, err := Parse([]Source{NewSource("task.json", []byte(`{"family":"kib","networkMode":"`+mode+`","containerDefinitions":[{"name":"kibana","image":"kibana:8","memory":512,
		"portMappings":[{"containerPort":5601,"hostPort":80}]}]}`))}, nil, Options{})
		if err == nil || !strings.Contains(err.Error(), "hostPort") {
			t.Errorf("networkMode %s with hostPort 80 → containerPort 5601: got error %v, want a refusal naming hostPort", mode, err)
		}
	}
}

// TestGracePeriodDefault: a container without stopTimeout has ECS's 30 s, so the pod's grace
// period is the longest over all containers with that default; a shorter stopTimeout is
// reported partial (the pod has one grace period).
func TestGracePeriodDefault(t *testing.T) {
	c := convertTask(t, `{"family":"g","containerDefinitions":[
		{"name":"app","image":"app:1","memory":256},
		{"name":"side","image":"side:1","memory":64,"essential":false,"stopTimeout":20}]}`, convert.Options{})
	if got := at(c.pod(t), "terminationGracePeriodSeconds"); got != "30" {
		t.Errorf("terminationGracePeriodSeconds: got %s, want 30 (app has ECS's default)", got)
	}
	if a := c.outcome("containerDefinitions[1].stopTimeout"); a.Outcome != diag.Partial {
		t.Errorf("stopTimeout 20 under a 30 s pod: got %v, want partial", a.Outcome)
	}
	c = convertTask(t, `{"family":"g","containerDefinitions":[
		{"name":"app","image":"app:1","memory":256,"stopTimeout":90},
		{"name":"side","image":"side:1","memory":64,"essential":false,"stopTimeout":20}]}`, convert.Options{})
	if got := at(c.pod(t), "terminationGracePeriodSeconds"); got != "90" {
		t.Errorf("terminationGracePeriodSeconds: got %s, want 90", got)
	}
	if a := c.outcome("containerDefinitions[0].stopTimeout"); a.Outcome != diag.Mapped {
		t.Errorf("stopTimeout 90 = the pod's: got %v, want mapped", a.Outcome)
	}
}

// TestDataOnlyContainer: a non-essential container without a command that exists for
// volumesFrom runs once as a plain init container (not a sidecar restarting forever); its
// volume stays with the container that uses it, and a warning says so.
func TestDataOnlyContainer(t *testing.T) {
	c := convertTask(t, `{"family":"d","volumes":[{"name":"data"}],"containerDefinitions":[
		{"name":"data","image":"busybox:1","essential":false,"memory":16,"mountPoints":[{"sourceVolume":"data","containerPath":"/data"}]},
		{"name":"app","image":"app:1","memory":256,"volumesFrom":[{"sourceContainer":"data"}]}]}`, convert.Options{})
	data := c.container(t, "data")
	if got := at(data, "restartPolicy"); got != "<nil>" {
		t.Errorf("data-only container: restartPolicy %s, want none (a plain init container)", got)
	}
	if got := at(c.container(t, "app"), "volumeMounts"); !strings.Contains(got, "/data") {
		t.Errorf("app volumeMounts: got %s, want the data volume at /data", got)
	}
	warned := false
	for _, w := range c.warnings() {
		warned = warned || (strings.Contains(w, "data") && strings.Contains(w, "volumesFrom"))
	}
	if !warned {
		t.Errorf("no warning about the data-only container: %q", c.warnings())
	}
}

// TestTmpfs: tmpfs "ro" is kept as readOnly, a docker volume with driverOpts type tmpfs is a
// memory emptyDir, and labels that land nowhere are not reported mapped.
func TestTmpfs(t *testing.T) {
	c := convertTask(t, `{"family":"t","volumes":[{"name":"scratch","dockerVolumeConfiguration":{"scope":"task","driver":"local",
		"driverOpts":{"type":"tmpfs","device":"tmpfs"},"labels":{"team":"a"}}}],
		"containerDefinitions":[{"name":"app","image":"app:1","memory":256,
		"mountPoints":[{"sourceVolume":"scratch","containerPath":"/scratch"}],
		"linuxParameters":{"tmpfs":[{"containerPath":"/run","size":64,"mountOptions":["ro","noexec"]}]}}]}`, convert.Options{})
	vols := at(c.pod(t), "volumes")
	if !strings.Contains(vols, "scratch") || strings.Count(vols, "medium:Memory") != 2 {
		t.Errorf("volumes: got %s, want scratch and the /run tmpfs both medium Memory", vols)
	}
	if got := at(c.container(t, "app"), "volumeMounts"); !strings.Contains(got, "mountPath:/run name:tmpfs-run readOnly:true") {
		t.Errorf("volumeMounts: got %s, want /run readOnly", got)
	}
	for _, prefix := range []string{"volumes[0].dockerVolumeConfiguration.labels", "containerDefinitions[0].linuxParameters.tmpfs[0].mountOptions"} {
		n := 0
		for _, a := range c.res.Accounts {
			if strings.HasPrefix(a.Path, prefix) {
				n++
				if a.Outcome == diag.Mapped {
					t.Errorf("%s: got mapped, want partial or dropped (not emitted as written)", a.Path)
				}
			}
		}
		if n == 0 {
			t.Errorf("no report entry for %s", prefix)
		}
	}
}

// TestMainByDependsOn: the container others wait for is not the main container, even when it
// is listed first and no container has ports; the waiting one is, and the wait is kept.
func TestMainByDependsOn(t *testing.T) {
	c := convertTask(t, `{"family":"m","containerDefinitions":[
		{"name":"db","image":"db:1","memory":256,"healthCheck":{"command":["CMD","true"]}},
		{"name":"worker","image":"worker:1","memory":256,"dependsOn":[{"containerName":"db","condition":"HEALTHY"}]}]}`, convert.Options{})
	ps := c.pod(t)
	if got := at(ps["containers"].([]any)[0].(map[string]any), "name"); got != "worker" {
		t.Errorf("main container: got %s, want worker (db is waited for)", got)
	}
	if got := at(c.container(t, "db"), "restartPolicy"); got != "Always" {
		t.Errorf("db: restartPolicy %s, want a native sidecar (Always) that worker waits for", got)
	}
	if got := at(c.container(t, "db"), "startupProbe"); got == "<nil>" {
		t.Errorf("db: no startupProbe, want one so worker starts once db is healthy")
	}
}

// TestUserNobodySuggestion: a user name is dropped (no /etc/passwd offline), and for the
// conventional names the warning suggests the id most images use (nobody → 65534).
func TestUserNobodySuggestion(t *testing.T) {
	c := convertTask(t, `{"family":"u","containerDefinitions":[{"name":"app","image":"app:1","memory":64,"user":"nobody"}]}`, convert.Options{})
	found := false
	for _, w := range c.warnings() {
		found = found || (strings.Contains(w, "nobody") && strings.Contains(w, "65534"))
	}
	if !found {
		t.Errorf("no warning suggesting 65534 for user nobody: %q", c.warnings())
	}
}

// TestEFSPlaceholder: an EFS file system id or access point id that is not one (a template
// placeholder) is warned about: the PersistentVolume would point nowhere.
func TestEFSPlaceholder(t *testing.T) {
	app, err := Parse([]Source{NewSource("task.json", []byte(`{"family":"e","volumes":[{"name":"d","efsVolumeConfiguration":{"fileSystemId":"FILESYSTEM_ID",
		"transitEncryption":"ENABLED","authorizationConfig":{"accessPointId":"ACCESS_POINT_ID"}}}],
		"containerDefinitions":[{"name":"app","image":"app:1","memory":64,"mountPoints":[{"sourceVolume":"d","containerPath":"/d"}]}]}`))}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range app.Diagnostics {
		msgs = append(msgs, d.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"FILESYSTEM_ID", "ACCESS_POINT_ID"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning naming %s: %q", want, msgs)
		}
	}
	app, err = Parse([]Source{NewSource("task.json", []byte(`{"family":"e","volumes":[{"name":"d","efsVolumeConfiguration":{"fileSystemId":"fs-0123456789abcdef0"}}],
		"containerDefinitions":[{"name":"app","image":"app:1","memory":64,"mountPoints":[{"sourceVolume":"d","containerPath":"/d"}]}]}`))}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range app.Diagnostics {
		if strings.Contains(d.String(), "fs-0123456789abcdef0") {
			t.Errorf("a real file system id is warned about: %s", d)
		}
	}
}

// TestExecutionRoleTrust: the execution role moves to the SecretStores' ServiceAccount, and
// like the task role it must trust the cluster's OIDC provider: the conversion says how.
func TestExecutionRoleTrust(t *testing.T) {
	c := convertTask(t, `{"family":"x","executionRoleArn":"arn:aws:iam::123456789012:role/exec","containerDefinitions":[{"name":"app","image":"app:1","memory":64,
		"secrets":[{"name":"TOKEN","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/token-AbCdEf"}]}]}`, convert.Options{})
	found := false
	for _, d := range c.res.Diagnostics {
		s := d.String()
		found = found || (strings.Contains(s, "oidc-provider") && strings.Contains(s, "executionRoleArn"))
	}
	if !found {
		t.Errorf("no trust-policy guidance for the execution role: %q", c.res.Diagnostics)
	}
}

// TestPlaceholderPullSecret: with --secrets placeholder, the registry-credentials Secret names
// its registry, and a warning says which Secret to fill for which registry and field.
func TestPlaceholderPullSecret(t *testing.T) {
	c := convertTask(t, `{"family":"p","containerDefinitions":[{"name":"app","image":"registry.example.com/team/app:1","memory":64,
		"repositoryCredentials":{"credentialsParameter":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:reg-AbCdEf"}}]}`, convert.Options{Secrets: convert.SecretsPlaceholder})
	s := c.obj("Secret", "p-registry-1")
	if s == nil {
		t.Fatal("no Secret p-registry-1")
	}
	if got := at(s, "stringData"); !strings.Contains(got, "registry.example.com") {
		t.Errorf("placeholder dockerconfigjson: got %s, want the registry registry.example.com in auths", got)
	}
	found := false
	for _, w := range c.warnings() {
		found = found || (strings.Contains(w, "p-registry-1") && strings.Contains(w, "registry.example.com"))
	}
	if !found {
		t.Errorf("no warning naming the Secret and its registry: %q", c.warnings())
	}
}

// TestOneWarningPerDevice: a device's fields share one reason, so one device is one warning.
func TestOneWarningPerDevice(t *testing.T) {
	c := convertTask(t, `{"family":"dv","containerDefinitions":[{"name":"app","image":"app:1","memory":64,
		"linuxParameters":{"devices":[{"hostPath":"/dev/fuse","containerPath":"/dev/fuse","permissions":["read","write"]}]}}]}`, convert.Options{})
	n := 0
	for _, w := range c.warnings() {
		if strings.Contains(w, "devices") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("one device: got %d warnings, want 1: %q", n, c.warnings())
	}
}

// TestHostNetworkNoGuessedPorts: a host-network task that declares no port gets no Service from
// berth's table of well-known images (its ports are the node's, and it declared none).
func TestHostNetworkNoGuessedPorts(t *testing.T) {
	c := convertTask(t, `{"family":"hn","networkMode":"host","containerDefinitions":[{"name":"redis","image":"redis:7","memory":64}]}`, convert.Options{})
	if s := c.obj("Service", ""); s != nil {
		t.Errorf("host-network task without portMappings: got Service %s, want none", at(s, "spec.ports"))
	}
}

// TestPlaceholderPullSecretPartial: under --secrets placeholder the registry credentials are
// partial (to fill in), never mapped to an ExternalSecret placeholder mode does not emit.
func TestPlaceholderPullSecretPartial(t *testing.T) {
	c := convertTask(t, `{"family":"p","containerDefinitions":[{"name":"app","image":"registry.example.com/team/app:1","memory":64,
		"repositoryCredentials":{"credentialsParameter":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:reg-AbCdEf"}}]}`, convert.Options{Secrets: convert.SecretsPlaceholder})
	a := c.outcome("containerDefinitions[0].repositoryCredentials.credentialsParameter")
	if a.Outcome != diag.Partial || strings.Contains(strings.Join(a.Targets, " "), "ExternalSecret") {
		t.Errorf("placeholder registry credentials: %s %q, want partial without an ExternalSecret target", a.Outcome, a.Targets)
	}
}

// TestLogDriverWarnsOnce: the log driver is a fact about the task: one warning, not one per
// container; every container's field is still accounted dropped.
func TestLogDriverWarnsOnce(t *testing.T) {
	logs := `"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"g"}}`
	c := convertTask(t, `{"family":"lg","containerDefinitions":[{"name":"a","image":"a:1","memory":64,`+logs+`},
		{"name":"b","image":"b:1","memory":64,"essential":false,`+logs+`}]}`, convert.Options{})
	n := 0
	for _, w := range c.warnings() {
		if strings.Contains(w, "log drivers") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("two containers with awslogs: %d log-driver warnings, want 1: %q", n, c.warnings())
	}
	for _, f := range []string{"containerDefinitions[0].logConfiguration.logDriver", "containerDefinitions[1].logConfiguration.logDriver"} {
		if a := c.outcome(f); a.Outcome != diag.Dropped {
			t.Errorf("%s: %s, want dropped", f, a.Outcome)
		}
	}
}

// TestPlaceholderNamesSecretPart: the placeholder warning names the JSON key and version stage
// the ARN selects, so the user fills the Secret with the right part of the secret.
func TestPlaceholderNamesSecretPart(t *testing.T) {
	c := convertTask(t, `{"family":"s","containerDefinitions":[{"name":"app","image":"app:1","memory":64,"secrets":[
		{"name":"DB_PASSWORD","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password:AWSPREVIOUS:"}]}]}`,
		convert.Options{Secrets: convert.SecretsPlaceholder})
	found := false
	for _, w := range c.warnings() {
		found = found || strings.Contains(w, "DB_PASSWORD") && strings.Contains(w, "JSON key password") && strings.Contains(w, "version stage AWSPREVIOUS")
	}
	if !found {
		t.Errorf("no placeholder warning naming JSON key password and version stage AWSPREVIOUS: %q", c.warnings())
	}
}

// TestDomainWithNothingPublic: --domain asks for public hosts; a task whose ports no load
// balancer exposes (no --ecs-service) says that nothing is exposed, and how to expose it.
func TestDomainWithNothingPublic(t *testing.T) {
	task := `{"family":"w","containerDefinitions":[{"name":"web","image":"nginx:1","memory":64,"portMappings":[{"containerPort":80}]}]}`
	c := convertTask(t, task, convert.Options{Provider: convert.ProviderAWS, Domain: "example.com"})
	found := false
	for _, w := range c.warnings() {
		found = found || strings.Contains(w, "--domain example.com") && strings.Contains(w, "--ecs-service")
	}
	if !found {
		t.Errorf("--domain with nothing public: no warning naming --ecs-service: %q", c.warnings())
	}
	if c := convertTask(t, task, convert.Options{Provider: convert.ProviderAWS}); len(c.warnings()) > 0 {
		for _, w := range c.warnings() {
			if strings.Contains(w, "nothing is exposed") {
				t.Errorf("without --domain: unexpected %q", w)
			}
		}
	}
}
