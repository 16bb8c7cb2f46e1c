package cli

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"
)

// shopChart converts the example shop (golden case example-shop) into a chart.
func shopChart(t *testing.T, extra ...string) (string, *chart.Chart) {
	t.Helper()
	abs, _ := filepath.Abs(filepath.Join("testdata", "golden", "example-shop"))
	dir := convertChart(t, caseArgs(abs), extra...)
	return dir, loadChart(t, dir)
}

// setValues parses helm --set arguments exactly as the helm CLI does.
func setValues(t *testing.T, sets ...string) map[string]any {
	t.Helper()
	vals := map[string]any{}
	for _, s := range sets {
		if err := strvals.ParseInto(s, vals); err != nil {
			t.Fatalf("--set %s: %v", s, err)
		}
	}
	return vals
}

// edit changes an expected object: path segments are map keys, "[N]" list indexes or
// "[name=X]" the list item named X; a nil value deletes the key.
type edit struct {
	obj  string
	path []string
	val  any
}

// TestHelmValuesChangeObjects renders the shop chart with --set values and checks that the
// objects differ from the default rendering by exactly the expected edits.
func TestHelmValuesChangeObjects(t *testing.T) {
	dir, chrt := shopChart(t)
	base := objectSet(t, renderChart(t, chrt, nil, "shop"))
	web, api, db := "Deployment/shop/web", "Deployment/shop/api", "StatefulSet/shop/db"
	webC := []string{"spec", "template", "spec", "containers", "[name=web]"}
	apiC := []string{"spec", "template", "spec", "containers", "[name=api]"}
	cases := []struct {
		name  string
		sets  []string
		edits []edit
		gone  []string
	}{
		{name: "replicas and image tag", sets: []string{"workloads.web.replicas=5", "workloads.web.containers.web.image.tag=1.28-alpine"},
			edits: []edit{{web, []string{"spec", "replicas"}, 5.0}, {web, append(webC, "image"), "nginx:1.28-alpine"}}},
		{name: "image digest and pull policy", sets: []string{"workloads.web.containers.web.image.digest=sha256:abc", "workloads.web.containers.web.image.pullPolicy=Always"},
			edits: []edit{{web, append(webC, "image"), "nginx:1.27-alpine@sha256:abc"}, {web, append(webC, "imagePullPolicy"), "Always"}}},
		{name: "resources", sets: []string{"workloads.api.containers.api.resources.limits.memory=512Mi", "workloads.api.containers.api.resources.requests.cpu=1"},
			edits: []edit{{api, append(apiC, "resources", "limits", "memory"), "512Mi"}, {api, append(apiC, "resources", "requests", "cpu"), 1.0}}},
		{name: "probes off", sets: []string{"workloads.api.containers.api.livenessProbe.enabled=false", "workloads.api.containers.api.startupProbe.enabled=false"},
			edits: []edit{{api, append(apiC, "livenessProbe"), nil}, {api, append(apiC, "startupProbe"), nil}}},
		{name: "ingress host, class, TLS, annotations", sets: []string{"workloads.web.ingress.host=www.shop.test", "workloads.web.ingress.className=traefik",
			"workloads.web.ingress.tlsSecret=shop-tls", "workloads.web.ingress.annotations.a\\.b/c=d"},
			edits: []edit{{"Ingress/shop/web", []string{"spec", "rules", "[0]", "host"}, "www.shop.test"},
				{"Ingress/shop/web", []string{"spec", "ingressClassName"}, "traefik"},
				{"Ingress/shop/web", []string{"spec", "tls"}, []any{map[string]any{"hosts": []any{"www.shop.test"}, "secretName": "shop-tls"}}},
				{"Ingress/shop/web", []string{"metadata", "annotations"}, map[string]any{"a.b/c": "d"}}}},
		{name: "ingress off", sets: []string{"workloads.web.ingress.enabled=false"}, gone: []string{"Ingress/shop/web"}},
		{name: "service port follows into the Ingress", sets: []string{"workloads.web.services.web.ports.http=8080", "workloads.web.services.web.type=LoadBalancer"},
			edits: []edit{{"Service/shop/web", []string{"spec", "ports", "[name=http]", "port"}, 8080.0},
				{"Service/shop/web", []string{"spec", "type"}, "LoadBalancer"},
				{"Ingress/shop/web", []string{"spec", "rules", "[0]", "http", "paths", "[0]", "backend", "service", "port", "number"}, 8080.0}}},
		{name: "persistence", sets: []string{"workloads.db.persistence.db-data.size=20Gi", "workloads.db.persistence.db-data.storageClass=fast"},
			edits: []edit{{db, []string{"spec", "volumeClaimTemplates", "[0]", "spec", "resources", "requests", "storage"}, "20Gi"},
				{db, []string{"spec", "volumeClaimTemplates", "[0]", "spec", "storageClassName"}, "fast"}}},
		{name: "no provisioning", sets: []string{"workloads.db.persistence.db-data.storageClass=-"},
			edits: []edit{{db, []string{"spec", "volumeClaimTemplates", "[0]", "spec", "storageClassName"}, ""}}},
		{name: "env", sets: []string{"workloads.db.env.POSTGRES_DB=other", "workloads.db.env.EXTRA=1", "sharedEnv.shop-dotenv-env.LOG_LEVEL=debug"},
			edits: []edit{{"ConfigMap/shop/db-env", []string{"data", "POSTGRES_DB"}, "other"}, {"ConfigMap/shop/db-env", []string{"data", "EXTRA"}, "1"},
				{"ConfigMap/shop/shop-dotenv-env", []string{"data", "LOG_LEVEL"}, "debug"}}},
		{name: "pod labels and annotations", sets: []string{"workloads.web.podLabels.tier=front", "workloads.web.podAnnotations.note=hi"},
			edits: []edit{{web, []string{"spec", "template", "metadata", "labels", "tier"}, "front"},
				{web, []string{"spec", "template", "metadata", "annotations"}, map[string]any{"note": "hi"}}}},
		{name: "existing secret", sets: []string{"secrets.db-password.existingSecret=prod-db"}, gone: []string{"Secret/shop/db-password"},
			edits: secretVolume("prod-db", api, db, "Deployment/shop/worker", "Job/shop/migrate")},
		{name: "secret data from --set", sets: []string{"secrets.api-secret-env.stringData.SESSION_SECRET=s3cret"},
			edits: []edit{{"Secret/shop/api-secret-env", []string{"data", "SESSION_SECRET"}, base64.StdEncoding.EncodeToString([]byte("s3cret"))}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := objectSet(t, renderChart(t, chrt, setValues(t, c.sets...), "shop"))
			want := objectSet(t, renderChart(t, chrt, nil, "shop"))
			for _, g := range c.gone {
				delete(want, g)
			}
			for _, e := range c.edits {
				setPath(t, want[e.obj], e.path, e.val)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("--set %v (-want +got):\n%s", c.sets, diff)
			}
			lintStrict(t, dir, setValues(t, c.sets...))
		})
	}
	if len(base) == 0 {
		t.Fatal("no objects")
	}
}

// TestHelmCommonLabels checks that commonLabels and commonAnnotations reach every object's
// metadata (labels also the pods) and never a selector.
func TestHelmCommonLabels(t *testing.T) {
	_, chrt := shopChart(t)
	base := objectSet(t, renderChart(t, chrt, nil, "shop"))
	got := objectSet(t, renderChart(t, chrt, setValues(t, "commonLabels.team=shop", "commonAnnotations.owner=ops"), "shop"))
	for key, obj := range base {
		setPath(t, obj, []string{"metadata", "labels", "team"}, "shop")
		ann, _ := obj["metadata"].(map[string]any)["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
		}
		ann["owner"] = "ops"
		setPath(t, obj, []string{"metadata", "annotations"}, ann)
		if tmpl := podTemplate(obj); tmpl != nil {
			setPath(t, tmpl, []string{"metadata", "labels", "team"}, "shop")
		}
		if diff := cmp.Diff(obj, got[key]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", key, diff)
		}
	}
}

// secretVolume edits the db password volume of each workload to mount Secret name.
func secretVolume(name string, workloads ...string) []edit {
	var out []edit
	for _, w := range workloads {
		out = append(out, edit{w, []string{"spec", "template", "spec", "volumes", "[name=secret-db-password]", "secret", "secretName"}, name})
	}
	return out
}

func podTemplate(obj map[string]any) map[string]any {
	spec, _ := obj["spec"].(map[string]any)
	if jt, ok := spec["jobTemplate"].(map[string]any); ok {
		spec, _ = jt["spec"].(map[string]any)
	}
	tmpl, _ := spec["template"].(map[string]any)
	return tmpl
}

// TestHelmSchema checks values.schema.json with the SDK's validator: the defaults pass, wrong
// types, unknown keys and out-of-range values (given as helm --set would) fail with a message
// naming the value.
func TestHelmSchema(t *testing.T) {
	_, chrt := shopChart(t)
	validate := func(sets ...string) error {
		vals, err := chartutil.CoalesceValues(chrt, setValues(t, sets...))
		if err != nil {
			t.Fatal(err)
		}
		return chartutil.ValidateAgainstSchema(chrt, vals)
	}
	if err := validate(); err != nil {
		t.Fatalf("default values fail the schema: %v", err)
	}
	ok := []string{"workloads.web.replicas=3", "workloads.web.containers.web.image.tag=16", "workloads.db.env.PORT=80",
		"secrets.db-password.existingSecret=x", "global.region=eu", "workloads.web.services.web.type=NodePort"}
	for _, s := range ok {
		if err := validate(s); err != nil {
			t.Errorf("--set %s: %v", s, err)
		}
	}
	bad := map[string]string{
		"workloads.web.replicas=abc":                          "replicas",
		"workloads.web.replicas=-1":                           "replicas",
		"workloads.wbe.replicas=2":                            "wbe",
		"workloads.web.containers.web.image.pullPolicy=Maybe": "pullPolicy",
		"workloads.web.services.web.ports.http=70000":         "http",
		"workloads.web.services.web.type=External":            "type",
		"workloads.db.persistence.db-data.size=lots":          "size",
		"workloads.web.ingress.enabled=yes please":            "enabled",
		"secrets.db-password.stringData.other=x":              "other",
		"replicas=2":                                          "replicas",
		"commonLabels.team.name=x":                            "team",
	}
	for s, field := range bad {
		err := validate(s)
		if err == nil {
			t.Errorf("--set %s: schema accepts it", s)
			continue
		}
		if !regexp.MustCompile(regexp.QuoteMeta(field)).MatchString(err.Error()) {
			t.Errorf("--set %s: error does not name %s: %v", s, field, err)
		}
	}
}

// setPath sets (or, with a nil value, deletes) the value at path in obj.
func setPath(t *testing.T, obj any, path []string, val any) {
	t.Helper()
	cur := obj
	for i, seg := range path {
		last := i == len(path)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if val == nil {
					delete(c, seg)
				} else {
					c[seg] = val
				}
				return
			}
			if _, ok := c[seg]; !ok {
				c[seg] = map[string]any{}
			}
			cur = c[seg]
		case []any:
			idx := listIndex(t, c, seg)
			if last {
				c[idx] = val
				return
			}
			cur = c[idx]
		default:
			t.Fatalf("path %v: %s is not a map or list", path, seg)
		}
	}
}

func listIndex(t *testing.T, l []any, seg string) int {
	t.Helper()
	inner := strings.TrimSuffix(strings.TrimPrefix(seg, "["), "]")
	if name, ok := strings.CutPrefix(inner, "name="); ok {
		for i, item := range l {
			if m, _ := item.(map[string]any); m["name"] == name {
				return i
			}
		}
		t.Fatalf("no list item named %s", name)
	}
	i, err := strconv.Atoi(inner)
	if err != nil || i >= len(l) {
		t.Fatalf("bad list index %s", seg)
	}
	return i
}

// TestHelmSetFile gives a Secret's data with --set-file, parsed as the helm CLI parses it: the
// file's bytes become the Secret's key, nothing else changes.
func TestHelmSetFile(t *testing.T) {
	_, chrt := shopChart(t)
	path := filepath.Join(t.TempDir(), "db_password")
	if err := os.WriteFile(path, []byte("from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{}
	readFile := func(rs []rune) (any, error) {
		data, err := os.ReadFile(string(rs))
		return string(data), err
	}
	if err := strvals.ParseIntoFile("secrets.db-password.stringData.db_password="+path, vals, readFile); err != nil {
		t.Fatal(err)
	}
	want := objectSet(t, renderChart(t, chrt, nil, "shop"))
	setPath(t, want["Secret/shop/db-password"], []string{"data", "db_password"}, base64.StdEncoding.EncodeToString([]byte("from a file\n")))
	if diff := cmp.Diff(want, objectSet(t, renderChart(t, chrt, vals, "shop"))); diff != "" {
		t.Errorf("--set-file (-want +got):\n%s", diff)
	}
}

// TestHelmNotes renders NOTES.txt: Ingress URLs (https with a TLS secret), a load balancer
// hint or a port-forward command per Service, and where each Secret comes from.
func TestHelmNotes(t *testing.T) {
	_, chrt := shopChart(t)
	cases := []struct {
		sets           []string
		want, unwanted []string
	}{
		{nil, []string{"web: http://shop.example.com/", "api (in the cluster only): kubectl port-forward -n shop service/api :8080",
			"db-password: created by the chart", "shop 1.0 (chart shop-0.1.0) is installed as release shop."}, []string{"https://"}},
		{[]string{"workloads.web.ingress.tlsSecret=shop-tls", "workloads.web.ingress.host=www.shop.test"}, []string{"web: https://www.shop.test/"}, nil},
		{[]string{"workloads.web.ingress.enabled=false"}, nil, []string{"shop.example.com"}},
		{[]string{"workloads.web.services.web.type=LoadBalancer"}, []string{"web: public load balancer; its address: kubectl get service -n shop web"}, []string{"service/web"}},
		{[]string{"secrets.db-password.existingSecret=prod-db"}, []string{"db-password: existing Secret prod-db"}, nil},
	}
	for _, c := range cases {
		notes := renderNotes(t, chrt, setValues(t, c.sets...))
		for _, w := range c.want {
			if !strings.Contains(notes, w) {
				t.Errorf("--set %v: NOTES lack %q:\n%s", c.sets, w, notes)
			}
		}
		for _, u := range c.unwanted {
			if strings.Contains(notes, u) {
				t.Errorf("--set %v: NOTES have %q:\n%s", c.sets, u, notes)
			}
		}
	}
}

func renderNotes(t *testing.T, chrt *chart.Chart, vals map[string]any) string {
	t.Helper()
	rv, err := chartutil.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: "shop", Namespace: "default", IsInstall: true}, common.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(chrt, rv)
	if err != nil {
		t.Fatal(err)
	}
	return out["shop/templates/NOTES.txt"]
}

// TestHelmNamespace moves every object to another namespace with namespaceOverride (the
// Namespace object, metadata, the RoleBinding's subject) and leaves the Namespace out with
// createNamespace=false.
func TestHelmNamespace(t *testing.T) {
	_, chrt := shopChart(t)
	base := objectSet(t, renderChart(t, chrt, nil, "shop"))
	want := map[string]map[string]any{}
	for _, obj := range base {
		meta := obj["metadata"].(map[string]any)
		if obj["kind"] == "Namespace" {
			meta["name"] = "staging"
		} else {
			meta["namespace"] = "staging"
		}
		for _, s := range asList(obj["subjects"]) {
			s.(map[string]any)["namespace"] = "staging"
		}
		want[obj["kind"].(string)+"/"+strOf(meta["namespace"])+"/"+strOf(meta["name"])] = obj
	}
	got := objectSet(t, renderChart(t, chrt, setValues(t, "namespaceOverride=staging"), "shop"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("namespaceOverride (-want +got):\n%s", diff)
	}
	if notes := renderNotes(t, chrt, setValues(t, "namespaceOverride=staging")); !strings.Contains(notes, "port-forward -n staging service/api") {
		t.Errorf("NOTES do not follow namespaceOverride:\n%s", notes)
	}
	got = objectSet(t, renderChart(t, chrt, setValues(t, "createNamespace=false"), "shop"))
	want = objectSet(t, renderChart(t, chrt, nil, "shop"))
	delete(want, "Namespace//shop")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("createNamespace=false (-want +got):\n%s", diff)
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
