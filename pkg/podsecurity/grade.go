// Package podsecurity grades pod specs against the Pod Security Standards (privileged,
// baseline, restricted) with the checks of k8s.io/pod-security-admission, the library the
// kube-apiserver's PodSecurity admission runs, at its latest policy version.
package podsecurity

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Grade is the strictest standard a pod spec meets and what the stricter ones reject.
type Grade struct {
	// Level is "restricted", "baseline" or "privileged".
	Level string `json:"level"`
	// Baseline lists what the baseline standard rejects (empty when Level is baseline or
	// restricted), Restricted what the restricted one rejects; each is a reason with its
	// detail, e.g. `seccompProfile (pod or container "web" must set ...)`.
	Baseline   []string `json:"baseline,omitempty"`
	Restricted []string `json:"restricted,omitempty"`
}

// Grader evaluates pod specs; build one per conversion with New.
type Grader struct {
	eval policy.Evaluator
}

// New returns a Grader with the library's default checks.
func New() (*Grader, error) {
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, fmt.Errorf("pod security checks: %w", err)
	}
	return &Grader{eval: e}, nil
}

// Grade grades a pod (its template's metadata and spec).
func (g *Grader) Grade(meta *metav1.ObjectMeta, spec *corev1.PodSpec) Grade {
	latest := api.LatestVersion()
	base := violations(g.eval.EvaluatePod(api.LevelVersion{Level: api.LevelBaseline, Version: latest}, meta, spec))
	restr := violations(g.eval.EvaluatePod(api.LevelVersion{Level: api.LevelRestricted, Version: latest}, meta, spec))
	switch {
	case len(base) > 0:
		return Grade{Level: string(api.LevelPrivileged), Baseline: base, Restricted: restr}
	case len(restr) > 0:
		return Grade{Level: string(api.LevelBaseline), Restricted: restr}
	}
	return Grade{Level: string(api.LevelRestricted)}
}

// violations turns the failed checks into "reason (detail)" strings, in the library's order.
func violations(results []policy.CheckResult) []string {
	agg := policy.AggregateCheckResults(results)
	out := make([]string, 0, len(agg.ForbiddenReasons))
	for i, r := range agg.ForbiddenReasons {
		if d := agg.ForbiddenDetails[i]; d != "" {
			r += " (" + d + ")"
		}
		out = append(out, r)
	}
	return out
}

// String is the grade for a diagnostic, e.g.
// `baseline (restricted rejects: allowPrivilegeEscalation != false (container "web" ...))`.
func (g Grade) String() string {
	var parts []string
	if len(g.Baseline) > 0 {
		parts = append(parts, "baseline rejects: "+strings.Join(g.Baseline, "; "))
	}
	if len(g.Restricted) > 0 {
		parts = append(parts, "restricted rejects: "+strings.Join(g.Restricted, "; "))
	}
	if len(parts) == 0 {
		return g.Level
	}
	return g.Level + " (" + strings.Join(parts, "; ") + ")"
}
