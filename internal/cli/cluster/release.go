package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/apply"
	"github.com/berth-dev/berth/pkg/release"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/report"
	"github.com/spf13/pflag"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	hrelease "helm.sh/helm/v4/pkg/release/v1"
)

// Deploy formats of berth apply.
const (
	applyObjects = "yaml"
	applyHelm    = render.Helm
)

// releaseFlags name a Helm release and, for the commands that make revisions, how.
type releaseFlags struct {
	name          string
	historyMax    int
	atomic        bool
	takeOwnership bool
	values        values.Options
	// chart sets Chart.yaml's version and appVersion of the chart berth renders.
	chartMeta cli.ChartFlags
}

func (r *releaseFlags) bindName(fs *pflag.FlagSet) {
	fs.StringVar(&r.name, "release", "", "Helm release name (default: the project name)")
}

func (r *releaseFlags) bindRevisions(fs *pflag.FlagSet) {
	fs.IntVar(&r.historyMax, "history-max", release.DefaultHistoryMax, "with --format helm: revisions kept per release (0: no limit)")
	fs.BoolVar(&r.takeOwnership, "take-ownership", false, "with --format helm: adopt objects that exist outside the release (e.g. from a plain berth apply) instead of failing")
	fs.BoolVar(&r.atomic, "atomic", false, "with --format helm: undo a revision whose rollout fails (roll back an upgrade, uninstall a first install); implies --wait")
}

// bindValues registers helm's value flags. -f stays berth's Compose file, so value files are
// --values only.
func (r *releaseFlags) bindValues(fs *pflag.FlagSet) {
	r.chartMeta.Bind(fs)
	fs.StringArrayVar(&r.values.ValueFiles, "values", nil, "with --format helm: values file merged over the chart's values.yaml (repeatable, later wins; - reads stdin)")
	fs.StringArrayVar(&r.values.Values, "set", nil, "with --format helm: set a value, e.g. workloads.web.replicas=3 (repeatable, as helm --set)")
	fs.StringArrayVar(&r.values.StringValues, "set-string", nil, "with --format helm: set a STRING value (repeatable)")
	fs.StringArrayVar(&r.values.FileValues, "set-file", nil, "with --format helm: set a value to a file's content, KEY=PATH (repeatable)")
	fs.StringArrayVar(&r.values.JSONValues, "set-json", nil, "with --format helm: set a JSON value (repeatable)")
}

// historyMax turns the flag (0: no limit, as helm's --history-max) into release.Options'.
func (r *releaseFlags) historyMaxOption() int {
	if r.historyMax == 0 {
		return -1
	}
	return r.historyMax
}

// releaseOnlyFlags are the flags of a Helm release (besides the chart format's own flags,
// render.Spec.Flags): they mean nothing to a plain server-side apply.
func releaseOnlyFlags() []string {
	return []string{"release", "history-max", "atomic", "take-ownership", "values", "set", "set-string", "set-file", "set-json"}
}

// mergedValues merges the value flags the way helm does: files in order, then --set-json,
// --set, --set-string, --set-file. Only local files are read.
func (r *releaseFlags) mergedValues() (map[string]any, error) {
	vals, err := r.values.MergeValues(getter.Providers{})
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return vals, nil
}

// isChartDir reports whether dir holds a Helm chart (berth convert --format helm -o dir).
func isChartDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "Chart.yaml"))
	return err == nil
}

// chart returns the chart to deploy, the release name and its namespace: the chart in --from
// DIR, or the chart berth renders from the conversion (as convert --format helm would).
func (r *releaseFlags) chart(ctx context.Context, streams cli.IO, src *appSource, vals map[string]any, defaultNS string) (*chart.Chart, string, string, error) {
	if src.from != "" {
		if !isChartDir(src.from) {
			return nil, "", "", fmt.Errorf("--from %s: no Chart.yaml: --format helm deploys a chart (berth convert --format helm -o DIR)", src.from)
		}
		chrt, err := loader.LoadDir(src.from)
		if err != nil {
			return nil, "", "", fmt.Errorf("--from %s: %w", src.from, err)
		}
		sv, err := os.ReadFile(filepath.Join(src.from, render.SecretValuesFile))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, "", "", fmt.Errorf("--from %s: %w", src.from, err)
		}
		if err := release.WithSecretValues(chrt, sv); err != nil {
			return nil, "", "", err
		}
		name := nonEmptyString(r.name, chrt.Name())
		ns := src.input.Options.Namespace
		if ns == "" {
			objs, err := release.Render(chrt, vals, name, defaultNS)
			if err != nil {
				return nil, "", "", err
			}
			ns = namespaceOf(objs, defaultNS)
		}
		return chrt, name, ns, nil
	}
	if err := r.chartMeta.Validate(); err != nil {
		return nil, "", "", err
	}
	res, app, err := src.input.Run(ctx)
	if err != nil {
		return nil, "", "", err
	}
	cli.PrintWarnings(streams.ErrOut, res.Diagnostics, report.NewRedactor(app, res.Objects))
	files, err := r.chartMeta.Format().Dir(res.Objects)
	if err != nil {
		return nil, "", "", fmt.Errorf("render: %w", err)
	}
	bf := make([]*archive.BufferedFile, 0, len(files))
	var sv []byte
	for _, f := range files {
		if f.Path == render.SecretValuesFile {
			sv = f.Data
			continue
		}
		bf = append(bf, &archive.BufferedFile{Name: f.Path, Data: f.Data})
	}
	chrt, err := loader.LoadFiles(bf)
	if err != nil {
		return nil, "", "", fmt.Errorf("render: chart: %w", err)
	}
	if err := release.WithSecretValues(chrt, sv); err != nil {
		return nil, "", "", err
	}
	objs, err := unstructuredObjects(res.Objects)
	if err != nil {
		return nil, "", "", err
	}
	return chrt, nonEmptyString(r.name, app.Name), namespaceOf(objs, app.Name), nil
}

// target returns the client and name of an existing release: --release (namespace -n, else
// the release name, berth's default namespace), or the converted application's name and
// namespace.
func (r *releaseFlags) target(ctx context.Context, streams cli.IO, src *appSource, kube *kubeFlags) (*release.Client, string, error) {
	cfg, defaultNS, err := kube.config(streams.Environ)
	if err != nil {
		return nil, "", err
	}
	name, ns := nonEmptyString(r.name, src.name), src.input.Options.Namespace
	if name == "" || src.from != "" || len(src.input.Files) > 0 || len(src.input.ECSFiles) > 0 {
		var chrtName string
		if src.from != "" && isChartDir(src.from) {
			_, chrtName, ns, err = r.chart(ctx, streams, src, nil, defaultNS)
		} else {
			var set apply.Set
			_, set, err = src.load(ctx, streams, defaultNS)
			chrtName, ns = strings.TrimPrefix(set.Name, "berth-applyset-"), set.Namespace
		}
		if err != nil {
			return nil, "", err
		}
		name = nonEmptyString(r.name, chrtName)
	}
	if ns == "" {
		ns = name
	}
	c, err := release.New(cfg, ns)
	return c, name, err
}

func nonEmptyString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// errHelmOnly names flags that only --format helm takes.
func errHelmOnly(flag string) error {
	return fmt.Errorf("%s needs --format helm", flag)
}

// setRelease returns the client of the release an ApplySet's application would have: named
// after the application (or --release), in the set's namespace.
func setRelease(streams cli.IO, kube *kubeFlags, set apply.Set, name string) (*release.Client, string, error) {
	cfg, _, err := kube.config(streams.Environ)
	if err != nil {
		return nil, "", err
	}
	c, err := release.New(cfg, set.Namespace)
	return c, nonEmptyString(name, strings.TrimPrefix(set.Name, "berth-applyset-")), err
}

// objectsOrRelease runs onRelease on the Helm release --release names. Without --release it
// runs onObjects on the application's ApplySet; when there is no such ApplySet
// (apply.ErrNoApp), the application may have been applied with --format helm, so it runs
// onRelease on the Helm release named after the application, and returns onObjects' error when
// there is no such release either.
func objectsOrRelease(ctx context.Context, streams cli.IO, t *target, r *releaseFlags,
	onObjects func(*apply.Client, apply.Set) error, onRelease func(*release.Client, string) error) error {
	if r.name != "" {
		rc, name, err := r.target(ctx, streams, &t.source, &t.kube)
		if err != nil {
			return err
		}
		return onRelease(rc, name)
	}
	c, set, err := t.applySet(ctx, streams)
	if err != nil {
		return err
	}
	err = onObjects(c, set)
	if errors.Is(err, apply.ErrNoApp) {
		rc, name, rerr := setRelease(streams, &t.kube, set, "")
		if rerr == nil {
			rerr = onRelease(rc, name)
		}
		if !errors.Is(rerr, release.ErrNotFound) {
			return rerr
		}
	}
	return err
}

// printRelease writes one line about rel: name, revision, status, chart, namespace.
func printRelease(w io.Writer, rel *hrelease.Release) {
	chartName := "-"
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		chartName = rel.Chart.Metadata.Name + "-" + rel.Chart.Metadata.Version
	}
	status := "unknown"
	if rel.Info != nil {
		status = rel.Info.Status.String()
	}
	fmt.Fprintf(w, "release %s in %s: revision %d %s (chart %s)\n", rel.Name, rel.Namespace, rel.Version, status, chartName)
}
