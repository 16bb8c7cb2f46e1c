// Package validate checks Kubernetes objects before they reach a cluster.
//
// Offline checks objects without a cluster against the OpenAPI v3 schemas of a Kubernetes
// version, captured from a real kube-apiserver by `go generate ./pkg/validate` (see
// internal/capture and internal/schemagen; stored gzipped in schemas/v<major>.<minor>/ and
// embedded; TestEmbeddedSchemasAreCurrent checks them against the harness's apiserver):
//
//	v, err := validate.NewOffline("1.33") // "" = DefaultKubeVersion; KubeVersions() lists all
//	if err != nil {
//		return err
//	}
//	results := v.Validate(objs)
//	if err := validate.Err(results); err != nil {
//		return err // "apps/v1 Deployment shop/web: rejected: spec.replicas: expected numeric ..."
//	}
//
// It finds unknown fields, wrong types, duplicate list entries, missing required fields,
// values outside an enum and malformed formats, using structured-merge-diff (as a
// server-side apply with fieldValidation=Strict does) and kube-openapi's schema validator.
// It cannot see what only the apiserver's Go validation checks (name formats, selectors
// matching template labels, port ranges, ...).
//
// Server checks objects against a real apiserver with a server-side apply dry-run
// (dryRun=All, fieldValidation=Strict): the authoritative answer, used by the test harness
// (test/cluster's Cluster.DryRun) and for `berth validate --server`.
//
// A test proves that both agree on a table of valid and invalid objects
// (agreement_test.go, against the harness's apiserver).
//
// Results from either checker are []Result, one per object in input order; Err turns them
// into one error listing every rejected or warned object, and Summarize counts them.
package validate
