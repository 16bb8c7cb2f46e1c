package render

import (
	"errors"
	"sort"

	"github.com/berth-dev/berth/pkg/convert"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"
)

// Helm is the format name of a Helm chart.
const Helm = "helm"

// DefaultChartVersion is the chart version when none is given.
const DefaultChartVersion = "0.1.0"

// HelmFormat renders a Helm chart (apiVersion v2): Chart.yaml, values.yaml with a comment per
// key, values.schema.json generated from the same description, templates/_helpers.tpl,
// templates/NOTES.txt and one template per object, named like the plain output's files.
//
// The templates are the objects' YAML with values substituted (images, replicas, resources,
// probes, env ConfigMaps, Service types and ports, Ingress host/class/TLS/annotations,
// persistent volume sizes and classes, pod labels and annotations, common labels and
// annotations, existing Secrets and Secret data) and the labels written by the chart's
// helpers. With its default values the chart renders exactly the objects `--format yaml`
// writes, for any release name, given secret-values.yaml. Neither values.yaml nor the templates
// hold secret data: it goes to secret-values.yaml (owner-only), which the .gitignore and
// .helmignore written beside it keep out of git and out of packages (docs/secrets.md).
type HelmFormat struct {
	// Version is the chart version (default DefaultChartVersion).
	Version string
	// AppVersion is the chart's appVersion (default: see AppVersion).
	AppVersion string
}

// SecretValuesFile is the chart file holding the Secrets' data as values.
const SecretValuesFile = "secret-values.yaml"

// Dir renders the chart.
func (h HelmFormat) Dir(objs []convert.Object) (Files, error) {
	name := chartName(objs)
	b, err := newChartBuilder(name, objs)
	if err != nil {
		return nil, err
	}
	ambiguous := ambiguousNames(objs)
	out := make(Files, 0, len(objs)+5)
	for _, o := range objs {
		data, err := b.template(o)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: "templates/" + FileName(o, ambiguous[kindName(o)], ".yaml"), Data: data, Sensitive: IsSensitive(o)})
	}
	chart, err := h.chartYAML(name, objs)
	if err != nil {
		return nil, err
	}
	values, err := b.values.yamlText()
	if err != nil {
		return nil, err
	}
	schema, err := b.values.schemaJSON(name + " values")
	if err != nil {
		return nil, err
	}
	out = append(out,
		File{Path: "Chart.yaml", Data: chart},
		File{Path: "values.yaml", Data: values},
		File{Path: "values.schema.json", Data: schema},
		File{Path: "templates/_helpers.tpl", Data: []byte(helpers(name, b.ns))},
		File{Path: "templates/NOTES.txt", Data: []byte(b.notes.text(name, b.ns, b.secrets))},
	)
	sv, err := b.secretValues()
	if err != nil {
		return nil, err
	}
	if sv != nil {
		out = append(out,
			File{Path: SecretValuesFile, Data: sv, Sensitive: true},
			File{Path: ".gitignore", Data: []byte("# secret data berth read at convert time: never commit it\n/" + SecretValuesFile + "\n")},
			File{Path: ".helmignore", Data: []byte("# secret data berth read at convert time: never package it\n" + SecretValuesFile + "\n.berth-manifest\n")},
		)
	}
	out.Sort()
	return out, nil
}

// chartYAML is Chart.yaml: no timestamps, nothing that changes between runs.
func (h HelmFormat) chartYAML(name string, objs []convert.Object) ([]byte, error) {
	version := h.Version
	if version == "" {
		version = DefaultChartVersion
	}
	meta := map[string]any{
		"apiVersion": "v2", "name": name, "version": version, "type": "application",
		"description": "The " + name + " app's Kubernetes objects, converted by berth",
	}
	app := h.AppVersion
	if app == "" {
		app = AppVersion(objs)
	}
	if app != "" {
		meta["appVersion"] = app
	}
	return goyaml.Marshal(meta)
}

// Stream is not supported: a chart is a directory.
func (HelmFormat) Stream([]convert.Object) ([]byte, error) {
	return nil, errors.New("the helm format writes a chart directory: use -o DIR")
}

// chartName is the app's name: the part-of label berth puts on every object, else "app".
func chartName(objs []convert.Object) string {
	for _, o := range objs {
		if n := o.GetLabels()[convert.LabelPartOf]; n != "" {
			return n
		}
	}
	return "app"
}

// AppVersion is the default appVersion of a chart: the image tag more of the app's containers
// (not init containers) use than any other tag, "latest" aside; "" (no appVersion) when no tag
// stands out, e.g. an app of postgres:16 and redis:7.
func AppVersion(objs []convert.Object) string {
	count := map[string]int{}
	for _, o := range objs {
		spec := convert.PodSpec(o)
		if spec == nil {
			continue
		}
		for _, c := range spec.Containers {
			if _, tag, _, ok := imageParts(c.Image); ok && tag != "" && tag != "latest" {
				count[tag]++
			}
		}
	}
	tags := make([]string, 0, len(count))
	for t := range count {
		tags = append(tags, t)
	}
	sort.Slice(tags, func(i, j int) bool {
		return count[tags[i]] > count[tags[j]] || count[tags[i]] == count[tags[j]] && tags[i] < tags[j]
	})
	if len(tags) == 0 || len(tags) > 1 && count[tags[0]] == count[tags[1]] {
		return ""
	}
	return tags[0]
}
