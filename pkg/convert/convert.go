// Package convert turns a model.App into typed Kubernetes objects. It is pure: no I/O, no
// clock, no randomness; the same App and Options always give the same objects. Each concern
// (workload, service, ingress, config, secret, volume, probe, wait, ...) lives in its own file
// and records in the ledger what it did with every input field.
package convert

import (
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Object is a typed Kubernetes object with TypeMeta filled in.
type Object interface {
	metav1.Object
	runtime.Object
}

// Result is the outcome of a conversion.
type Result struct {
	// Objects are sorted by kind rank, namespace and name.
	Objects []Object
	// Diagnostics are the loader's and the converter's findings, sorted.
	Diagnostics diag.List
	// Accounts say, for every input field, what it became or why not.
	Accounts []diag.Accounted
	// Provider is the provider the objects were made for (ProviderGeneric or ProviderAWS),
	// so the report can size nodes of that platform.
	Provider string
	// Connections are the addresses each service dials and what answers them (connections.go).
	Connections []Connection
	// Images are the images built from source (a build section) or set by Options.Images,
	// sorted by Service: what berth plan and the report list.
	Images []Image
	// Provisions are the Compose provider services: resources to provision outside the
	// cluster, sorted by Service.
	Provisions []Provision
	// App is the app as converted: the input, or a copy whose missing-source bind mounts and
	// data-store anonymous volumes are named volumes (persist.go), for what reads volumes
	// next to the objects (berth data, the runbook).
	App *model.App
}

// Converted returns r.App, or input when r carries none (a Result built by hand).
func (r *Result) Converted(input *model.App) *model.App {
	if r.App != nil {
		return r.App
	}
	return input
}

// Image is a service's image built from source or set by an option.
type Image struct {
	Service string
	// Ref is the image the pods run ("" when a build-only service has no registry: the
	// derived <project>-<service> name cannot be pulled).
	Ref string
	// Context and Dockerfile say what it is built from ("" when set by --image); Dockerfile
	// is "inline" for dockerfile_inline.
	Context    string
	Dockerfile string
	// Target is the build stage (build.target; "" for the last one).
	Target string
	// By is how Ref was chosen: "registry" (Options.Registry and Tag), "image" (--image),
	// or "" (not rewritten).
	By string
}
