// Package validate checks Kubernetes objects before they reach a cluster.
//
// Server checks objects against a real apiserver with a server-side apply dry-run
// (dryRun=All, fieldValidation=Strict): the authoritative answer, used by the test harness
// (test/cluster's Cluster.DryRun) and by `berth validate --server`.
//
// Results from every checker are []Result, one per object in input order; Err turns them
// into one error listing every rejected or warned object, and Summarize counts them.
package validate
