package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// scanSecret adds the values of a Secret the chart creates: existingSecret, and the data and
// stringData maps that give its keys at install time. values.yaml holds no secret data and
// neither do the templates: the data berth read goes to secret-values.yaml (secretValues).
func (b *chartBuilder) scanSecret(o convert.Object) error {
	m, err := unstructuredWith(o, &b.types)
	if err != nil {
		return err
	}
	name := o.GetName()
	if _, dup := b.secrets[name]; dup {
		return nil
	}
	keys := secretKeys(m)
	node := b.values.object("secrets", "Secrets the chart creates, by name. Neither values.yaml nor the templates hold their data:\n"+
		"berth wrote the data it read to secret-values.yaml beside the chart (git-ignored): install with\n"+
		"-f secret-values.yaml, give each key with --set-file secrets.NAME.stringData.KEY=PATH, or use a\n"+
		"Secret you manage with existingSecret. A key given nowhere fails the install, naming it.").
		object(name, fmt.Sprintf("Secret %s (keys: %s).", name, strings.Join(keys, ", ")))
	node.leaf("existingSecret", "Name of an existing Secret (with the same keys) to use instead of creating this one.", "string", "", nil)
	str := node.object("stringData", "Values of the keys, plain text; they win over data.")
	enc := node.object("data", "Values of the keys, base64-encoded.")
	for _, k := range keys {
		str.optionalLeaf(k, "Key "+k+".", []string{"string", "number", "boolean"})
		enc.optionalLeaf(k, "Key "+k+", base64.", "string")
	}
	b.secrets[name] = node
	b.secretData[name] = map[string]any{}
	for _, f := range []string{"data", "stringData"} {
		if d := asMap(m[f]); len(d) > 0 {
			b.secretData[name][f] = d
		}
	}
	return nil
}

// secretKeys are the keys of a Secret map's data and stringData, sorted.
func secretKeys(m map[string]any) []string {
	var keys []string
	for _, f := range []string{"data", "stringData"} {
		for k := range asMap(m[f]) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// secret templates a chart Secret: left out when existingSecret is set; each key from
// stringData or data given at install time (written where the plain output has it: data
// base64-encoded, stringData as text), and a failure naming the key when neither is.
func (b *chartBuilder) secret(t *template, o convert.Object, m map[string]any) {
	node := b.secrets[o.GetName()]
	if node == nil {
		return
	}
	t.fileCond = "not " + node.field("existingSecret")
	str, enc := node.field("stringData"), node.field("data")
	name := o.GetName()
	for _, f := range []string{"data", "stringData"} {
		for k := range asMap(m[f]) {
			q, _ := json.Marshal(k)
			msg, _ := json.Marshal(fmt.Sprintf("Secret %s: no value for key %s: install with -f secret-values.yaml (berth convert wrote it beside the chart), "+
				"--set-file secrets.%s.stringData.%s=PATH, or set secrets.%s.existingSecret", name, k, name, k, name))
			fromStr, fromData := "toString $s | b64enc | quote", "$d | quote"
			if f == "stringData" {
				fromStr, fromData = "toString $s | quote", "$d | b64dec | quote"
			}
			asMap(m[f])[k] = t.text(fmt.Sprintf("{{ $s := index (%s | default dict) %s }}{{ $d := index (%s | default dict) %s }}"+
				"{{ if not (kindIs \"invalid\" $s) }}{{ %s }}{{ else if not (kindIs \"invalid\" $d) }}{{ %s }}"+
				"{{ else }}{{ fail %s }}{{ end }}", str, q, enc, q, fromStr, fromData, msg))
		}
	}
}

// secretValues is secret-values.yaml: the data berth read for every Secret the chart creates,
// in the shape of the chart's values (secrets.NAME.data.KEY base64, secrets.NAME.stringData.KEY
// text, as the plain output has them). nil when there is none.
func (b *chartBuilder) secretValues() ([]byte, error) {
	if len(b.secretData) == 0 {
		return nil, nil
	}
	out, err := goyaml.Marshal(map[string]any{"secrets": b.secretData})
	if err != nil {
		return nil, err
	}
	return append([]byte(secretValuesHeader), out...), nil
}

// secretValuesHeader heads secret-values.yaml.
const secretValuesHeader = `# Secret data berth read at convert time, in the chart's values (secrets.NAME.data.KEY, base64).
# Never commit this file (the .gitignore beside it keeps it out of git, .helmignore out of
# packages). Install with: helm install RELEASE . -f secret-values.yaml
# or replace it: --set-file secrets.NAME.stringData.KEY=PATH, --set secrets.NAME.existingSecret=S.
`

// scanService adds the values of a Service's named ports (Ingresses refer to them too).
func (b *chartBuilder) scanService(o convert.Object) error {
	w := b.workload(component(o))
	if w == nil {
		return nil
	}
	m, err := unstructuredWith(o, &b.types)
	if err != nil {
		return err
	}
	node := b.serviceNode(w, o.GetName())
	for _, p := range asList(asMap(m["spec"])["ports"]) {
		pm := asMap(p)
		name, _ := pm["name"].(string)
		num, ok := pm["port"].(int64)
		if name == "" || !ok {
			continue
		}
		ports := node.object("ports", "Service ports by name (what clients connect to; the pods' ports stay).")
		pv := ports.leaf(name, fmt.Sprintf("Port %s (default %d).", name, num), "integer", num, map[string]any{"minimum": 1, "maximum": 65535})
		if b.ports[o.GetName()] == nil {
			b.ports[o.GetName()] = map[int64]*valueNode{}
		}
		b.ports[o.GetName()][num] = pv
	}
	return nil
}

func (b *chartBuilder) serviceNode(w *valueNode, name string) *valueNode {
	return w.object("services", "The workload's Services, by name.").object(name, fmt.Sprintf("Service %s.", name))
}

// service templates a Service: type, named ports and annotations. It returns the annotations'
// value expression.
func (b *chartBuilder) service(t *template, o convert.Object, m map[string]any) string {
	w := b.workload(component(o))
	if w == nil {
		return ""
	}
	node := b.serviceNode(w, o.GetName())
	spec := asMap(m["spec"])
	typ, _ := spec["type"].(string)
	headless := spec["clusterIP"] == "None"
	if !headless && (typ == "ClusterIP" || typ == "NodePort" || typ == "LoadBalancer") {
		node.leaf("type", "ClusterIP (in the cluster only), NodePort or LoadBalancer.", "string", typ,
			map[string]any{"enum": []string{"ClusterIP", "NodePort", "LoadBalancer"}})
		spec["type"] = t.action(node.field("type"))
	}
	var ports []string
	for _, p := range asList(spec["ports"]) {
		pm := asMap(p)
		num, _ := pm["port"].(int64)
		text := fmt.Sprint(num)
		if pv := b.ports[o.GetName()][num]; pv != nil {
			pm["port"] = t.action(pv.ref())
			text = "{{ " + pv.ref() + " }}"
		}
		if proto, _ := pm["protocol"].(string); proto == "" || proto == "TCP" {
			ports = append(ports, text) // kubectl port-forward is TCP only
		}
	}
	ann := node.freeMap("annotations", "The Service's annotations (load balancer settings).", asMap(asMap(m["metadata"])["annotations"]), stringEntry())
	b.notes.services = append(b.notes.services, noteService{name: o.GetName(), ns: o.GetNamespace(), typ: typ, node: node, headless: headless, ports: ports})
	return ann.ref()
}

// ingress templates an Ingress: enabled, class, first host, TLS secret, annotations and
// backend ports. It returns the annotations' value expression.
func (b *chartBuilder) ingress(t *template, o convert.Object, m map[string]any) string {
	w := b.workload(component(o))
	if w == nil || w.fields["ingress"] != nil {
		return ""
	}
	node := w.object("ingress", fmt.Sprintf("Ingress %s.", o.GetName()))
	node.leaf("enabled", "false leaves the Ingress out.", "boolean", true, nil)
	t.fileCond = node.field("enabled")
	spec := asMap(m["spec"])
	class, _ := spec["ingressClassName"].(string)
	node.leaf("className", "ingressClassName (empty: the cluster's default class).", "string", class, nil)
	spec["ingressClassName"] = t.action(node.field("className") + " | quote")
	t.cond(spec, "ingressClassName", node.field("className"))
	rules := asList(spec["rules"])
	host := ""
	if len(rules) > 0 {
		host, _ = asMap(rules[0])["host"].(string)
	}
	hostTok := ""
	if host != "" {
		node.leaf("host", "Public host name of the first rule.", "string", host, map[string]any{"minLength": 1})
		hostTok = t.action(node.field("host") + " | quote")
		asMap(rules[0])["host"] = hostTok
	}
	b.ingressTLS(t, spec, node, rules, host, hostTok)
	b.backends(t, rules)
	ann := node.freeMap("annotations", "The Ingress's annotations.", asMap(asMap(m["metadata"])["annotations"]), stringEntry())
	path, _ := asMap(asList(asMap(asMap(asMap(rules[0])["http"]))["paths"])[0])["path"].(string)
	b.notes.ingresses = append(b.notes.ingresses, noteIngress{name: o.GetName(), ns: o.GetNamespace(), node: node, host: host, path: path})
	return ann.ref()
}

// ingressTLS templates the TLS section: present when tlsSecret is set, for the rules' hosts.
// An Ingress with several TLS sections keeps them as they are.
func (b *chartBuilder) ingressTLS(t *template, spec map[string]any, node *valueNode, rules []any, host, hostTok string) {
	tls := asList(spec["tls"])
	secret := ""
	var hosts []any
	switch len(tls) {
	case 0:
		for _, r := range rules {
			if h, _ := asMap(r)["host"].(string); h != "" {
				hosts = append(hosts, h)
			}
		}
	case 1:
		tm := asMap(tls[0])
		secret, _ = tm["secretName"].(string)
		hosts = asList(tm["hosts"])
		if secret == "" || len(tm) != 2 {
			return
		}
	default:
		return
	}
	if len(hosts) == 0 {
		return
	}
	for i, h := range hosts {
		if h == host && host != "" {
			hosts[i] = hostTok
		}
	}
	node.leaf("tlsSecret", "TLS Secret (certificate) for the hosts; empty: plain HTTP.", "string", secret, nil)
	spec["tls"] = []any{map[string]any{"hosts": hosts, "secretName": t.action(node.field("tlsSecret") + " | quote")}}
	t.cond(spec, "tls", node.field("tlsSecret"))
}

// backends points Ingress backend ports at the Service port values.
func (b *chartBuilder) backends(t *template, rules []any) {
	for _, r := range rules {
		for _, p := range asList(asMap(asMap(r)["http"])["paths"]) {
			svc := asMap(asMap(asMap(p)["backend"])["service"])
			name, _ := svc["name"].(string)
			port := asMap(svc["port"])
			if num, ok := port["number"].(int64); ok && b.ports[name][num] != nil {
				port["number"] = t.action(b.ports[name][num].ref())
			}
		}
	}
}

// configMap templates an env ConfigMap's data from the owning workload's env value (or
// sharedEnv when several workloads read it).
func (b *chartBuilder) configMap(t *template, o convert.Object, m map[string]any) {
	owner, isEnv := b.envOwner[o.GetName()]
	data := asMap(m["data"])
	if !isEnv || len(data) == 0 || m["binaryData"] != nil {
		return
	}
	entry := map[string]any{"type": []string{"string", "number", "boolean"}}
	var node *valueNode
	if w := b.values.fields["workloads"].fields[owner]; owner != "" && w != nil {
		node = w.freeMap("env", fmt.Sprintf("Environment variables (ConfigMap %s; no secrets here).", o.GetName()), data, entry)
	} else {
		node = b.values.object("sharedEnv", "Environment ConfigMaps several workloads read, by name (no secrets here).").
			freeMap(o.GetName(), fmt.Sprintf("Environment variables in ConfigMap %s.", o.GetName()), data, entry)
	}
	t.block(m, "data", func(ind string) []string {
		return []string{ind + "data:", ind + "  {{- range $k, $v := " + node.ref() + " }}",
			ind + "  {{ $k | quote }}: {{ $v | toString | quote }}", ind + "  {{- end }}"}
	})
}
