// Package validate checks Kubernetes objects before they reach a cluster, against the
// OpenAPI v3 schemas of a Kubernetes version captured from a real kube-apiserver by
// `go generate ./pkg/validate` (see internal/capture and internal/schemagen; stored gzipped
// in schemas/v<major>.<minor>/ and embedded; TestEmbeddedSchemasAreCurrent checks them
// against the harness's apiserver).
//
// This package holds the fast check (Fast): schemas compiled at `go generate` time into one
// table for every version (compiled_schemas.go) that only ever says "surely valid", with no
// schema decoding and none of the OpenAPI libraries, so the lean berth executable links it.
// What it cannot vouch for goes to the full validators in package full (kube-openapi's schema
// validator and structured-merge-diff, as a server-side apply with fieldValidation=Strict),
// which decide and write the messages:
//
//	f, err := validate.NewFast("1.33", nil) // "" = DefaultKubeVersion; KubeVersions() lists all
//	results, unsure := f.Check(objs)        // unsure: indexes only full.Offline can decide
//
// Package server checks objects against a real apiserver with a server-side apply dry-run
// (dryRun=All, fieldValidation=Strict): the authoritative answer, used by the test harness
// (test/cluster's Cluster.DryRun) and for `berth validate --server`. A test proves that the
// offline validators and the server agree on a table of valid and invalid objects.
//
// Results from any checker are []Result, one per object in input order; Err turns them into
// one error listing every rejected or warned object, and Summarize counts them.
package validate
