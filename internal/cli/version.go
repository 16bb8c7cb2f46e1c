package cli

import (
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
	// Libraries are the versions of the libraries that decide what berth reads and writes,
	// those of the cluster executable included (Helm, client-go, kustomize live there).
	Libraries map[string]string `json:"libraries"`
	// Cluster is the berth-cluster executable the cluster commands would run, when found.
	Cluster *clusterBuild `json:"clusterExecutable,omitempty"`
}

// clusterBuild is the build of the berth-cluster executable found beside berth or on PATH.
type clusterBuild struct {
	Path     string `json:"path"`
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	// Same: the same version, commit and shared library versions as this berth. A
	// berth-cluster from another build converts and applies with other rules.
	Same bool `json:"sameBuild"`
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
	v.Version, v.Commit, v.Modified = buildOf(bi)
	v.Libraries = librariesOf(bi)
	return v
}

// buildOf is a build's version (the module version of go install ...@vX.Y.Z, else devel)
// and VCS commit.
func buildOf(bi *debug.BuildInfo) (version, commit string, modified bool) {
	version = "devel"
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return version, commit, modified
}

// librariesOf are the versions of versionLibraries a build links.
func librariesOf(bi *debug.BuildInfo) map[string]string {
	libs := map[string]string{}
	for _, d := range bi.Deps {
		for _, lib := range versionLibraries {
			if d.Path == lib {
				if d.Replace != nil {
					d = d.Replace
				}
				libs[lib] = d.Version
			}
		}
	}
	return libs
}

// withCluster adds to v the build of the berth-cluster executable at path (found as the
// cluster commands find it): its libraries that v lacks, and whether it is the same build.
func withCluster(v versionInfo, path string) versionInfo {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return v
	}
	c := &clusterBuild{Path: path}
	c.Version, c.Commit, c.Modified = buildOf(bi)
	c.Same = c.Version == v.Version && c.Commit == v.Commit && c.Modified == v.Modified
	for lib, ver := range librariesOf(bi) {
		if mine, ok := v.Libraries[lib]; ok {
			c.Same = c.Same && mine == ver
			continue
		}
		v.Libraries[lib] = ver
	}
	v.Cluster = c
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
			if path, err := findCluster(streams.Environ); err == nil && !isSelf(path) {
				v = withCluster(v, path)
			}
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
	if c := v.Cluster; c != nil {
		build := c.Version
		if c.Commit != "" {
			build += " " + c.Commit
			if c.Modified {
				build += " (modified)"
			}
		}
		if c.Same {
			fmt.Fprintf(&b, "cluster commands: %s (the same build)\n", c.Path)
		} else {
			fmt.Fprintf(&b, "cluster commands: %s is another build (%s): install berth and berth-cluster from one version\n", c.Path, build)
		}
	}
	return b.String()
}

// isSelf reports whether path is this running executable (berth-cluster's own version).
func isSelf(path string) bool {
	exe, err := os.Executable()
	if err != nil {
		return false
	}
	a, err1 := filepath.EvalSymlinks(exe)
	b, err2 := filepath.EvalSymlinks(path)
	return err1 == nil && err2 == nil && a == b
}
