package cli

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/pkg/render"
	"github.com/spf13/pflag"
	"golang.org/x/mod/semver"
)

// ChartFlags are the Helm chart's metadata flags (--format helm): a separate set from
// ConvertFlags so that commands without charts (status, down, ...) do not show them.
type ChartFlags struct {
	// Version is Chart.yaml's version (SemVer 2; default render.DefaultChartVersion).
	Version string
	// AppVersion is Chart.yaml's appVersion (default: the app's most common image tag).
	AppVersion string
}

// Bind registers the flags on fs.
func (f *ChartFlags) Bind(fs *pflag.FlagSet) {
	fs.StringVar(&f.Version, "chart-version", "", "with --format helm: the chart's version, SemVer 2 (default "+render.DefaultChartVersion+")")
	fs.StringVar(&f.AppVersion, "app-version", "", "with --format helm: the chart's appVersion (default: the image tag most of the app's containers share, else none)")
}

// Validate checks the values; which format they go with is the format registry's rule
// (render.Spec.Flags, checked by the command).
func (f *ChartFlags) Validate() error {
	if f.Version != "" && !strictSemver(f.Version) {
		return fmt.Errorf("--chart-version %q: want a SemVer 2 version such as 1.2.3 (MAJOR.MINOR.PATCH, no leading v)", f.Version)
	}
	return nil
}

// strictSemver reports whether v is a full SemVer 2 version, as Helm wants a chart's version:
// MAJOR.MINOR.PATCH with optional -prerelease and +build, no "v", no leading zeros.
// (golang.org/x/mod/semver also takes "v1" and "v1.2" shorthands; the dot count rules them out.)
func strictSemver(v string) bool {
	core, _, _ := strings.Cut(v, "+")
	core, _, _ = strings.Cut(core, "-")
	return !strings.HasPrefix(v, "v") && strings.Count(core, ".") == 2 && semver.IsValid("v"+v)
}

// Format is the chart format with these settings.
func (f *ChartFlags) Format() render.HelmFormat {
	return render.HelmFormat{Version: f.Version, AppVersion: f.AppVersion}
}
