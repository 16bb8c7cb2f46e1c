// Package crds installs the CustomResourceDefinitions berth's output uses (Gateway API, AWS
// Load Balancer Controller, External Secrets Operator), vendored at pinned versions in the
// repository (see each directory's README.md), into a test cluster, so any test can
// server-dry-run the custom resources berth emits.
package crds

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
)

// Dirs are the vendored CRD directories, relative to the repository's test directory.
var dirs = []string{
	filepath.Join("golden", "testdata", "gateway-api-v1.6.3-standard"),
	filepath.Join("golden", "testdata", "aws-load-balancer-controller-v3.5.0"),
	filepath.Join("ecs", "testdata", "eso-v2.9.0"),
}

// Install installs every vendored CRD into c and waits until they are established.
func Install(ctx context.Context, c *cluster.Cluster) error {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return fmt.Errorf("crds: cannot locate the vendored CRDs")
	}
	testDir := filepath.Dir(filepath.Dir(self))
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(testDir, d, "*.yaml"))
		if len(files) == 0 {
			return fmt.Errorf("crds: no CRDs in %s", filepath.Join(testDir, d))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			objs, err := validate.ParseYAML(data)
			if err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			if err := c.InstallCRDs(ctx, objs); err != nil {
				return fmt.Errorf("install %s: %w", f, err)
			}
		}
	}
	return nil
}
