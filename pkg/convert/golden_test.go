package convert

import (
	"bytes"
	"encoding/json"
	goldenfile "github.com/berth-dev/berth/internal/golden"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"sigs.k8s.io/yaml"
)

// render is the test's YAML stream of a result: the objects, then the diagnostics and the
// field accounting, so golden diffs show mapping decisions and their reasons together.
func render(t *testing.T, res *Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, o := range res.Objects {
		buf.WriteString("---\n")
		buf.Write(marshalClean(t, o))
	}
	buf.WriteString("--- # diagnostics\n")
	for _, d := range res.Diagnostics {
		buf.WriteString("# " + d.Severity.String() + ": " + d.String() + "\n")
	}
	buf.WriteString("--- # accounts\n")
	buf.Write(marshalClean(t, res.Accounts))
	return buf.Bytes()
}

// marshalClean marshals v to YAML without the zero-value noise of typed objects
// (creationTimestamp: null, status: {}).
func marshalClean(t *testing.T, v any) []byte {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil {
		t.Fatal(err)
	}
	if m, ok := generic.(map[string]any); ok {
		delete(m, "status")
	}
	out, err := yaml.Marshal(clean(generic))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func clean(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if m, ok := val.(map[string]any); ok && len(m) == 0 && k == "status" {
				delete(x, k)
				continue
			}
			if val == nil && k == "creationTimestamp" {
				delete(x, k)
				continue
			}
			x[k] = clean(val)
			if m, ok := x[k].(map[string]any); ok && len(m) == 0 && (k == "resources" || k == "strategy" || k == "updateStrategy" || k == "metadata") {
				delete(x, k)
			}
		}
	case []any:
		for i := range x {
			x[i] = clean(x[i])
		}
	}
	return v
}

// golden converts app twice, checks both renderings are identical and compares them with
// testdata/<name>/want.yaml.
func golden(t *testing.T, name string, app *model.App, opts Options) {
	t.Helper()
	composePaths(app)
	var outs [2][]byte
	for i := range outs {
		res, err := Convert(app, opts)
		if err != nil {
			t.Fatalf("Convert: %v", err)
		}
		outs[i] = render(t, res)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatalf("two conversions of the same input differ")
	}
	goldenfile.AssertBytes(t, filepath.Join("testdata", name, "want.yaml"), outs[0])
}

// fields lists the input fields of app for the ledger (a loader does this for real input).
func fields(svcs ...*model.Service) []diag.Field {
	var out []diag.Field
	for _, s := range svcs {
		out = append(out, diag.Field{Service: s.Name, Path: s.Field, Pos: s.Pos})
	}
	return out
}

// composePaths records, for the hand-built Compose services of app that have none, the path
// of every value under its Compose key, as the Compose loader does for the values it sets.
func composePaths(app *model.App) *model.App {
	svcKeys := map[model.Key]string{
		model.KeyHostname: "hostname", model.KeyDomainname: "domainname", model.KeyDNS: "dns",
		model.KeyDNSSearch: "dns_search", model.KeyDNSOptions: "dns_opt", model.KeyStopGrace: "stop_grace_period",
		model.KeyPlatform: "platform", model.KeyGlobal: "deploy.mode", model.KeyRestart: "restart",
		model.KeyMaxAttempts: "deploy.restart_policy.max_attempts", model.KeyNetworkMode: "network_mode",
		model.KeyNetworks: "networks", model.KeyIPC: "ipc", model.KeyPID: "pid", model.KeyLinks: "links",
		model.KeyDependsOn: "depends_on", model.KeyLabels: "labels",
	}
	ctrKeys := map[model.Key]string{
		model.KeyImage: "image", model.KeyBuild: "build", model.KeyCommand: "entrypoint", model.KeyArgs: "command",
		model.KeyWorkingDir: "working_dir", model.KeyUser: "user", model.KeyCapAdd: "cap_add", model.KeyCapDrop: "cap_drop",
		model.KeyPrivileged: "privileged", model.KeyReadOnly: "read_only", model.KeyInit: "init", model.KeyTTY: "tty",
		model.KeyStdin: "stdin_open", model.KeyShmSize: "shm_size",
	}
	for i := range app.Volumes {
		if v := &app.Volumes[i]; app.Source == model.Compose && v.Paths == nil {
			v.Paths.Add(model.KeyDriver, v.Field+".driver")
		}
	}
	for _, s := range app.Services {
		if app.Source != model.Compose || s.Paths != nil {
			continue
		}
		for k, name := range svcKeys {
			s.Paths.Add(k, s.Field+"."+name)
		}
		s.Paths.Add(model.KeyReplicas, s.Field+".deploy.replicas", s.Field+".scale")
		for i := range s.Containers {
			c := &s.Containers[i]
			for k, name := range ctrKeys {
				c.Paths.Add(k, c.Field+"."+name)
			}
			for _, name := range []string{"deploy.resources", "mem_limit", "cpus", "mem_reservation", "cpu_shares", "gpus"} {
				c.Paths.Add(model.KeyResources, c.Field+"."+name)
			}
		}
	}
	return app
}
