package compose

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/render"
	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/test/cluster"
)

// TestComposeCorpusNetworkPoliciesPassServerDryRun: with --network-policies, every corpus
// app's NetworkPolicies and the pod templates carrying the network labels pass a server-side
// dry-run (real networks give real names: dots, underscores, long ones).
func TestComposeCorpusNetworkPoliciesPassServerDryRun(t *testing.T) {
	dir, files := corpusFiles(t)
	c := cluster.APIServer.Get(t)
	ctx := context.Background()
	on := true
	apps, policies := 0, 0
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		in := cli.ConvertFlags{Files: []string{f}, Environ: []string{}, Options: convert.Options{NetworkPolicies: &on}}
		res, _, err := in.Run(ctx)
		if err != nil {
			continue // which files convert is the loader's and the plain dry-run's business
		}
		var objs []convert.Object
		for _, o := range res.Objects {
			switch o.GetObjectKind().GroupVersionKind().Kind {
			case "Namespace", "NetworkPolicy", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob":
				objs = append(objs, o)
				if o.GetObjectKind().GroupVersionKind().Kind == "NetworkPolicy" {
					policies++
				}
			}
		}
		yaml, err := render.ForName(render.YAML)
		if err != nil {
			t.Fatal(err)
		}
		stream, err := yaml.Stream(objs)
		if err != nil {
			t.Fatalf("%s: render: %v", rel, err)
		}
		results, err := c.DryRunYAML(ctx, stream)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if err := validate.Err(results); err != nil {
			t.Errorf("%s: %v", rel, err)
		}
		apps++
	}
	t.Logf("%d corpus apps, %d NetworkPolicies accepted by the server", apps, policies)
	if policies == 0 {
		t.Error("no NetworkPolicy was generated from the corpus")
	}
}
