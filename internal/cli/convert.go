package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/report"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/write"
	"github.com/spf13/cobra"
)

// convertOptions are `berth convert`'s flags.
type convertOptions struct {
	input  ConvertFlags
	out    string
	stdout bool
	format string
	report string
	strict bool
	force  bool
	// overlays are the Kustomize overlay names (--format kustomize)
	overlays []string
	// chart holds the Helm chart's version flags (--format helm)
	chart ChartFlags
	// kubeVersion selects the embedded schemas the output is checked against
	kubeVersion string
	// full decides the objects the fast schema check cannot vouch for
	full FullCheck
}

func newConvert(streams IO, full FullCheck) *cobra.Command {
	o := &convertOptions{input: ConvertFlags{Environ: streams.Environ}, full: full}
	cmd := &cobra.Command{
		Use:   "convert [-f FILE]... [-o DIR | --stdout]",
		Short: "Convert a Compose project or ECS task definitions into Kubernetes objects",
		Long: `Convert loads a Compose project (the same files, .env, profiles and project name as
docker compose) or ECS task definitions, and writes Kubernetes objects: with -o DIR one file
per object, atomically (a failed run leaves the previous output intact); with --stdout one
stream. Warnings go to stderr; --report writes what became of every input field.`,
		Example: `  berth convert -f compose.yaml -o k8s/
  berth convert --stdout --domain example.com | kubectl apply -f -
  berth convert -o k8s/ --report migration.md --strict`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), streams, cmd.Flags().Changed)
		},
	}
	fs := cmd.Flags()
	o.input.Bind(fs)
	fs.StringVarP(&o.out, "output", "o", "", "output directory (one file per object, replaced atomically)")
	fs.BoolVar(&o.stdout, "stdout", false, "write one stream to stdout (the default when -o is not given)")
	fs.StringVar(&o.format, "format", render.YAML, "output format: "+strings.Join(render.Formats(), "|"))
	o.chart.Bind(fs)
	fs.StringArrayVar(&o.overlays, "overlay", nil, "with --format kustomize: add overlays/NAME (repeatable)")
	fs.StringVar(&o.report, "report", "", "write the field-accounting report to FILE (.md, .json, or .html: one self-contained page with the service graph)")
	fs.BoolVar(&o.strict, "strict", false, "fail (exit 1, nothing written but the report) when there is any warning")
	fs.BoolVar(&o.force, "force", false, "write into an existing -o directory that berth did not create")
	fs.StringVar(&o.kubeVersion, "kube-version", validate.DefaultKubeVersion,
		"Kubernetes version whose API schemas the output is checked against (embedded: "+strings.Join(validate.KubeVersions(), ", ")+")")
	return cmd
}

func (o *convertOptions) validate(changed func(flag string) bool) error {
	if o.out != "" && o.stdout {
		return errors.New("-o and --stdout cannot be combined")
	}
	// the output targets --kube-version (the Job waits' kubectl follows it)
	if v, err := validate.NormalizeVersion(o.kubeVersion); err == nil {
		o.input.Options.KubeVersion = v
	}
	spec, err := render.SpecFor(o.format)
	if err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	if spec.DirOnly && o.out == "" {
		return fmt.Errorf("--format %s writes a directory: give -o DIR", o.format)
	}
	if err := formatFlags(spec, changed); err != nil {
		return err
	}
	if err := o.chart.Validate(); err != nil {
		return err
	}
	if err := render.ValidateOverlays(o.overlays); err != nil {
		return fmt.Errorf("--overlay: %w", err)
	}
	if o.report != "" {
		if _, err := report.FormatFor(o.report); err != nil {
			return fmt.Errorf("--report: %w", err)
		}
	}
	return o.input.Validate()
}

// formatFlags refuses flags that belong to an output format other than spec.
func formatFlags(spec render.Spec, changed func(flag string) bool) error {
	for _, other := range render.Specs() {
		if other.Name == spec.Name {
			continue
		}
		for _, f := range other.Flags {
			if changed(f) {
				return fmt.Errorf("--%s needs --format %s", f, other.Name)
			}
		}
	}
	return nil
}

// run is the whole command: everything is rendered in memory before anything is written, so
// bad input never leaves partial output.
func (o *convertOptions) run(ctx context.Context, streams IO, changed func(flag string) bool) error {
	if err := o.validate(changed); err != nil {
		return err
	}
	res, app, err := o.input.Run(ctx)
	if err != nil {
		return err
	}
	format, _ := render.ForName(o.format)
	switch format.(type) { // the formats whose flags carry settings
	case render.KustomizeFormat:
		format = render.KustomizeFormat{Overlays: o.overlays}
	case render.HelmFormat:
		format = o.chart.Format()
	}
	files, stream, err := renderChecked(format, res.Objects, o.out != "", o.kubeVersion, o.full)
	unchecked := errors.Is(err, errNoFullCheck)
	if err != nil && !unchecked {
		return err
	}
	red := report.NewRedactor(app, res.Objects)
	warnings := PrintWarnings(streams.ErrOut, res.Diagnostics, red)
	if unchecked {
		warnings++
		fmt.Fprintf(streams.ErrOut, "warning: %s\n", err)
	}
	var reportData []byte
	if o.report != "" {
		if reportData, err = renderReport(o.report, app, res, red); err != nil {
			return err
		}
	}
	if o.strict && warnings > 0 {
		if reportData != nil {
			if err := write.File(o.report, reportData, write.FileMode); err != nil {
				return err
			}
		}
		return fmt.Errorf("%s and --strict: no output written", plural(warnings, "warning"))
	}
	// The output directory first: a report placed inside it must not make it look foreign.
	if o.out != "" {
		if err := write.Dir(o.out, files, write.Options{Force: o.force}); err != nil {
			return err
		}
	} else if _, err := streams.Out.Write(stream); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	if reportData != nil {
		if err := write.File(o.report, reportData, write.FileMode); err != nil {
			return err
		}
	}
	summary(streams.ErrOut, res, warnings, o.out)
	return nil
}

func renderReport(path string, app *model.App, res *convert.Result, red *report.Redactor) ([]byte, error) {
	format, err := report.FormatFor(path)
	if err != nil {
		return nil, err
	}
	data, err := report.Render(report.Build(app, res, red), format)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return data, nil
}

// PrintWarnings writes each warning as "file:line:col: field: message" and returns how many:
// first those that say what will not work as under Compose (diag.Diagnostic.Breaks), then the
// rest, each in input order, so the first screen shows what breaks the app before advice.
func PrintWarnings(w io.Writer, diags diag.List, red *report.Redactor) int {
	n := 0
	for _, breaks := range []bool{true, false} {
		for _, d := range diags {
			if d.Severity < diag.Warning || d.Breaks != breaks {
				continue
			}
			n++
			fmt.Fprintf(w, "warning: %s\n", red.String(d.String()))
		}
	}
	return n
}

// summary writes e.g. "wrote 9 objects to out/ (1 Namespace, 2 Service, ...), 1 warning".
func summary(w io.Writer, res *convert.Result, warnings int, dir string) {
	kinds := map[string]int{}
	for _, obj := range res.Objects {
		kinds[obj.GetObjectKind().GroupVersionKind().Kind]++
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		return convert.KindRank(names[i]) < convert.KindRank(names[j]) || convert.KindRank(names[i]) == convert.KindRank(names[j]) && names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%d %s", kinds[k], k)
	}
	where := "stdout"
	if dir != "" {
		where = dir
	}
	fmt.Fprintf(w, "wrote %s to %s (%s), %s\n", plural(len(res.Objects), "object"), where, strings.Join(parts, ", "), plural(warnings, "warning"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
