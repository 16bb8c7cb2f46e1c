package render

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// notes collects what NOTES.txt tells: how to reach each Service and Ingress, and the Secrets.
type notes struct {
	ingresses []noteIngress
	services  []noteService
}

type noteIngress struct {
	name, ns, host, path string
	node                 *valueNode
}

type noteService struct {
	name, ns, typ string
	headless      bool
	// ports are the Service's TCP ports as template text (a value's action or a number).
	ports []string
	node  *valueNode
}

// text renders NOTES.txt for chart name (app namespace appNS), whose Secrets are secrets.
func (n notes) text(name, appNS string, secrets map[string]*valueNode) string {
	var b strings.Builder
	// ns is a namespace as NOTES prints it: the app's follows namespaceOverride.
	ns := func(ns string) string {
		if ns != "" && ns == appNS {
			return fmt.Sprintf("{{ include %q . }}", name+".namespace")
		}
		return ns
	}
	fmt.Fprintf(&b, "%s {{ .Chart.AppVersion }} (chart {{ include %q . }}) is installed as release {{ .Release.Name }}.\n", "{{ .Chart.Name }}", name+".chart")
	b.WriteString("Objects keep the names of the app's services (the app reaches its peers by those names).\n")
	if len(n.ingresses) > 0 {
		b.WriteString("\nPublic URLs (Ingress):\n")
	}
	for _, in := range n.ingresses {
		in.write(&b, ns(in.ns))
	}
	if len(n.services) > 0 {
		b.WriteString("\nServices:\n")
	}
	for _, s := range n.services {
		s.write(&b, ns(s.ns))
	}
	writeSecretNotes(&b, secrets)
	return b.String()
}

// write tells the Ingress's URL (when it is enabled).
func (in noteIngress) write(b *strings.Builder, ns string) {
	fmt.Fprintf(b, "{{- if %s }}\n", in.node.field("enabled"))
	if in.host == "" {
		fmt.Fprintf(b, "  %s: the address in `kubectl get ingress -n %s %s`\n", in.name, ns, in.name)
	} else {
		scheme := "http"
		if in.node.fields["tlsSecret"] != nil {
			scheme = fmt.Sprintf("http{{ if %s }}s{{ end }}", in.node.field("tlsSecret"))
		}
		fmt.Fprintf(b, "  %s: %s://{{ %s }}%s\n", in.name, scheme, in.node.field("host"), in.path)
	}
	b.WriteString("{{- end }}\n")
}

// write tells how to reach the Service by its type at install time (headless ones are left out).
func (s noteService) write(b *strings.Builder, ns string) {
	if s.headless {
		return
	}
	typ := fmt.Sprintf("%q", s.typ)
	if s.node.fields["type"] != nil {
		typ = s.node.field("type")
	}
	forward := "no TCP port to forward"
	if len(s.ports) > 0 {
		forward = "kubectl port-forward -n " + ns + " service/" + s.name + " :" + strings.Join(s.ports, " :") + " (prints the local ports)"
	}
	fmt.Fprintf(b, "{{- if eq %s \"LoadBalancer\" }}\n", typ)
	fmt.Fprintf(b, "  %s: public load balancer; its address: kubectl get service -n %s %s\n", s.name, ns, s.name)
	fmt.Fprintf(b, "{{- else if eq %s \"NodePort\" }}\n", typ)
	fmt.Fprintf(b, "  %s: on every node at the node ports in: kubectl get service -n %s %s\n", s.name, ns, s.name)
	b.WriteString("{{- else }}\n")
	fmt.Fprintf(b, "  %s (in the cluster only): %s\n", s.name, forward)
	b.WriteString("{{- end }}\n")
}

// writeSecretNotes lists the Secrets and where each comes from.
func writeSecretNotes(b *strings.Builder, secrets map[string]*valueNode) {
	if len(secrets) == 0 {
		return
	}
	b.WriteString("\nSecrets: neither the templates nor values.yaml hold their data; it came at install time from\n")
	b.WriteString("secret-values.yaml (-f), --set-file secrets.NAME.stringData.KEY=PATH, or an existing Secret\n")
	b.WriteString("(--set secrets.NAME.existingSecret=SECRET):\n")
	names := slices.Sorted(maps.Keys(secrets))
	for _, k := range names {
		fmt.Fprintf(b, "  %s: {{ with %s }}existing Secret {{ . }}{{ else }}created by the chart{{ end }}\n", k, secrets[k].field("existingSecret"))
	}
}

// helpers is _helpers.tpl: the standard name, label and image helpers, named after the chart.
// The labels are berth's (app, app.kubernetes.io/name, part-of, managed-by), so the chart
// renders the plain output's objects; no release-specific label is added, so any release
// name renders the same objects.
func helpers(name, ns string) string {
	return strings.NewReplacer("CHART", name, "APPNS", fmt.Sprintf("%q", ns)).Replace(`{{/* The chart's name: the app's name unless nameOverride is set. */}}
{{- define "CHART.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name. Objects keep the app's own names, which the app uses to reach its
peers; this name is for your additions. */}}
{{- define "CHART.fullname" -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Chart name and version. */}}
{{- define "CHART.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The objects' namespace: the app's unless namespaceOverride is set. */}}
{{- define "CHART.namespace" -}}
{{- default APPNS .Values.namespaceOverride -}}
{{- end -}}

{{/* Selector labels of a component (dict "component" NAME "root" $): they never change. */}}
{{- define "CHART.selectorLabels" -}}
app.kubernetes.io/name: {{ .component | quote }}
app.kubernetes.io/part-of: {{ include "CHART.name" .root | quote }}
{{- end -}}

{{/* Labels of an object (dict "component" NAME "root" $ ["extra" LABELS] ["pod" podLabels]):
berth's labels (app and app.kubernetes.io/name only for a component), then the object's other
labels, then the pod labels, then commonLabels; the first wins on a clash. */}}
{{- define "CHART.labels" -}}
{{- $labels := dict "app.kubernetes.io/managed-by" "berth" "app.kubernetes.io/part-of" (include "CHART.name" .root) -}}
{{- with .component -}}
{{- $_ := set $labels "app" . -}}
{{- $_ := set $labels "app.kubernetes.io/name" . -}}
{{- end -}}
{{- toYaml (merge $labels (.extra | default (dict)) (.pod | default (dict)) .root.Values.commonLabels) -}}
{{- end -}}

{{/* An image reference from an image value: repository[:tag][@digest]. */}}
{{- define "CHART.image" -}}
{{- .repository -}}
{{- with .tag }}:{{ . }}{{ end -}}
{{- with .digest }}@{{ . }}{{ end -}}
{{- end -}}
`)
}
