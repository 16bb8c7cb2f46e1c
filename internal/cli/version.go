package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/pkg/validate"
)

// versionInfo is what `berth version` reports: the build, and what it converts for.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	// Modified: built from a tree with uncommitted changes.
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
	// KubeVersions are the Kubernetes minors with embedded schemas; KubeDefault the default of
	// --kube-version.
	KubeVersions []string `json:"kubernetesVersions"`
	KubeDefault  string   `json:"kubernetesDefault"`
	// Libraries are the versions of the libraries that decide what berth reads and writes.
	Libraries map[string]string `json:"libraries"`
}

// versionLibraries are the modules whose versions `berth version` names: the Compose loader,
// the Kubernetes API types, and what the cluster executable adds when linked in.
var versionLibraries = []string{
	"github.com/compose-spec/compose-go/v2",
	"k8s.io/api",
	"k8s.io/apimachinery",
	"k8s.io/client-go",
	"helm.sh/helm/v4",
	"sigs.k8s.io/kustomize/api",
	"sigs.k8s.io/gateway-api",
}

// buildVersion reads the running executable's build information.
func buildVersion() versionInfo {
	v := versionInfo{Version: "devel", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		KubeVersions: validate.KubeVersions(), KubeDefault: validate.DefaultKubeVersion, Libraries: map[string]string{}}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version // go install ...@vX.Y.Z
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	for _, d := range bi.Deps {
		for _, lib := range versionLibraries {
			if d.Path == lib {
				if d.Replace != nil {
					d = d.Replace
				}
				v.Libraries[lib] = d.Version
			}
		}
	}
	return v
}

// newVersion is `berth version`: the build and what it supports, as text or JSON.
func newVersion(streams IO) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print berth's version, the Kubernetes versions it converts for, and its libraries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := buildVersion()
			switch output {
			case "json":
				b, err := json.MarshalIndent(v, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(streams.Out, string(b))
				return err
			case "", "text":
				_, err := fmt.Fprint(streams.Out, versionText(v))
				return err
			}
			return fmt.Errorf("--output %q: want text or json", output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// versionText renders v for people, one fact per line.
func versionText(v versionInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "berth %s\n", v.Version)
	if v.Commit != "" {
		commit := v.Commit
		if v.Modified {
			commit += " (modified)"
		}
		fmt.Fprintf(&b, "commit: %s\n", commit)
	}
	fmt.Fprintf(&b, "go: %s %s\n", v.Go, v.Platform)
	fmt.Fprintf(&b, "kubernetes: %s (default %s)\n", strings.Join(v.KubeVersions, ", "), v.KubeDefault)
	for _, lib := range versionLibraries {
		if ver, ok := v.Libraries[lib]; ok {
			fmt.Fprintf(&b, "%s %s\n", lib, ver)
		}
	}
	return b.String()
}
