package full_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/full"
	"github.com/berth-dev/berth/test/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.APIServer.Run(m)) }

// The offline validator and a real apiserver of the same version give the same verdict on
// every agreement case, and the server rejects the server-only cases.
func TestOfflineAgreesWithServer(t *testing.T) {
	c := cluster.APIServer.Get(t)
	ctx := context.Background()
	offline, err := full.NewOffline(cluster.KubernetesVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range agreementCases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := validate.ParseYAML([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			server, err := c.DryRun(ctx, objs)
			if err != nil {
				t.Fatal(err)
			}
			off := offline.Validate(objs)
			for i := range objs {
				s, o := server[i], off[i]
				t.Logf("server:  %s", s)
				t.Logf("offline: %s", o)
				if s.Accepted != o.Accepted {
					t.Errorf("%s: server accepted=%v, offline accepted=%v", s.Ref(), s.Accepted, o.Accepted)
				}
				if s.Accepted != tc.valid {
					t.Errorf("%s: server accepted=%v, want %v", s.Ref(), s.Accepted, tc.valid)
				}
				if tc.valid && len(s.Warnings) > 0 {
					t.Errorf("%s: server warnings for a valid case: %q", s.Ref(), s.Warnings)
				}
				if !tc.valid {
					for _, msg := range []string{s.Message, o.Message} {
						if !strings.Contains(msg, tc.want) {
							t.Errorf("message %q does not mention %q", msg, tc.want)
						}
					}
				}
			}
		})
	}
	for _, tc := range serverRuleCases { // validate.ServerRules: both reject, both name it
		t.Run("server rule: "+tc.name, func(t *testing.T) {
			results, err := c.DryRunYAML(ctx, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			objs, err := validate.ParseYAML([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []validate.Result{results[0], offline.Object(objs[0])} {
				t.Logf("%s", r)
				if r.Accepted || !strings.Contains(r.Message, tc.want) {
					t.Errorf("%s; want a rejection mentioning %q", r, tc.want)
				}
			}
		})
	}
	for _, tc := range serverOnlyCases {
		t.Run("server only: "+tc.name, func(t *testing.T) {
			results, err := c.DryRunYAML(ctx, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("server: %s", results[0])
			if results[0].Accepted || !strings.Contains(results[0].Message, tc.want) {
				t.Errorf("server: %s; want a rejection mentioning %q", results[0], tc.want)
			}
		})
	}
}
