package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Versions of the control-plane binaries the harness expects. They must equal the versions
// pinned by the modules in test/cluster/tools (a test checks this); build.sh writes them into
// the <name>.version stamp next to each binary.
const (
	KubernetesVersion = "v1.37.2"
	EtcdVersion       = "v3.7.0"
	KwokVersion       = "v0.7.0"
)

// EnvBinDir names the environment variable that overrides the binary directory.
const EnvBinDir = "BERTH_TEST_BIN"

// Bin holds the paths of the control-plane binaries built by test/cluster/build.sh.
type Bin struct {
	Dir                   string
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	KubeScheduler         string
	Kubectl               string
	Kwok                  string
}

// ErrNoBinaries is wrapped by the error Binaries returns when a binary is missing or stale.
var ErrNoBinaries = errors.New("test control plane not built")

// BinDir returns the directory holding the binaries: $BERTH_TEST_BIN when set, else
// $HOME/.cache/berth-test-bin/<KubernetesVersion> (build.sh's default).
func BinDir() (string, error) {
	if d := os.Getenv(EnvBinDir); d != "" {
		return filepath.Abs(d)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the test binary cache: %w (set %s)", err, EnvBinDir)
	}
	return filepath.Join(cache, "berth-test-bin", KubernetesVersion), nil
}

// Binaries locates the control-plane binaries and checks that each one exists, is executable
// and carries the expected version stamp. The error says how to build them.
func Binaries() (Bin, error) {
	dir, err := BinDir()
	if err != nil {
		return Bin{}, err
	}
	b := Bin{
		Dir:                   dir,
		Etcd:                  filepath.Join(dir, "etcd"),
		KubeAPIServer:         filepath.Join(dir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(dir, "kube-controller-manager"),
		KubeScheduler:         filepath.Join(dir, "kube-scheduler"),
		Kubectl:               filepath.Join(dir, "kubectl"),
		Kwok:                  filepath.Join(dir, "kwok"),
	}
	want := []struct{ path, version string }{
		{b.Etcd, EtcdVersion},
		{b.KubeAPIServer, KubernetesVersion},
		{b.KubeControllerManager, KubernetesVersion},
		{b.KubeScheduler, KubernetesVersion},
		{b.Kubectl, KubernetesVersion},
		{b.Kwok, KwokVersion},
	}
	var problems []string
	for _, w := range want {
		if p := checkBinary(w.path, w.version); p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return b, fmt.Errorf("%w in %s: %s; build them with `make test-bin` (test/cluster/build.sh; about 25 minutes once on 2 cores), "+
			"or point %s at a directory built by it", ErrNoBinaries, dir, strings.Join(problems, "; "), EnvBinDir)
	}
	return b, nil
}

func checkBinary(path, version string) string {
	name := filepath.Base(path)
	fi, err := os.Stat(path)
	if err != nil {
		return name + " missing"
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return name + " is not an executable file"
	}
	stamp, err := os.ReadFile(path + ".version")
	if err != nil {
		return name + " has no version stamp"
	}
	if got := strings.TrimSpace(string(stamp)); got != version {
		return fmt.Sprintf("%s is %s, want %s", name, got, version)
	}
	return ""
}
