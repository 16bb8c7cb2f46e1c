package convert_test

import (
	"math"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
)

// TestOnFailureRetriesWithoutLimit: Docker restarts an on-failure container without a limit
// unless one is given (on-failure:3, max_attempts), so its Job must not give up after the
// Job's default 6 retries (Dawarich's sidekiq, AppFlowy's worker, SigNoz's init-clickhouse).
func TestOnFailureRetriesWithoutLimit(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `services:
  worker:
    image: example/worker
    restart: on-failure
  limited:
    image: example/worker
    restart: on-failure:3
  once:
    image: example/task
    restart: "no"
`}, convert.Options{})
	got := map[string]int32{}
	for _, o := range res.Objects {
		if j, ok := o.(*batchv1.Job); ok && j.Spec.BackoffLimit != nil {
			got[j.Name] = *j.Spec.BackoffLimit
		}
	}
	want := map[string]int32{"worker": math.MaxInt32, "limited": 3, "once": 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoffLimit by Job (-want +got):\n%s", diff)
	}
}
