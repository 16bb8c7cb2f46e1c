// Package model is berth's source-neutral description of an application: what Compose and ECS
// loaders produce and what convert consumes. It imports neither compose-go nor Kubernetes.
// Collections are sorted slices, and every value remembers the input field it came from
// (Field paths and diag.Pos) so later stages can name it in errors and in the report.
package model

import (
	"slices"

	"github.com/berth-dev/berth/pkg/diag"
)

// Source names the input format an App was loaded from.
type Source string

// Input formats.
const (
	Compose Source = "compose"
	ECS     Source = "ecs"
)

// App is one application: a Compose project or a set of ECS task definitions.
type App struct {
	// Name is the project name (Compose -p / name:, ECS family), DNS-1123 sanitized by the loader.
	Name   string
	Source Source
	// Dir is the project directory; berth never reads files outside it to build objects.
	Dir string
	// Files are the input files, relative to Dir where possible, in load order.
	Files    []string
	Services []*Service // sorted by Name
	Volumes  []Volume   // sorted by Name
	Secrets  []FileData // Compose top-level secrets, sorted by Name
	Configs  []FileData // Compose top-level configs, sorted by Name
	Networks []Network  // sorted by Name
	// Providers are the Compose provider services (no workload), sorted by Name.
	Providers []Provider
	// Inputs lists every input field the loader saw, for the field-accounting report.
	Inputs []diag.Field
	// Options are the project-wide x-berth settings.
	Options AppOptions
	// Diagnostics are warnings the loader already found (e.g. unset variables).
	Diagnostics diag.List
	// VarRefs are the service values the input wrote with variable references (Compose
	// ${NAME}), sorted by Field: advice can name the variable to set.
	VarRefs []VarRef `json:",omitempty"`
}

// VarRef says that the input value at Field references variable Var.
type VarRef struct {
	Field string
	Var   string
	// Whole: the value is that one reference (${NAME:-default}): the variable alone decides it.
	Whole bool
}

// Service returns the service named name, or nil.
func (a *App) Service(name string) *Service {
	for _, s := range a.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Volume returns the top-level volume named name, or nil.
func (a *App) Volume(name string) *Volume {
	if i := slices.IndexFunc(a.Volumes, func(v Volume) bool { return v.Name == name }); i >= 0 {
		return &a.Volumes[i]
	}
	return nil
}

// KV is one ordered key/value pair (labels, sysctls, annotations).
type KV struct {
	Key   string
	Value string
	Field string
}

// DefaultNetwork is the network Compose attaches services to when they name none: a service
// with empty Networks and empty NetworkMode is on it, whether or not the input declares it.
const DefaultNetwork = "default"

// Network is a Compose network (used for NetworkPolicies). App.Networks lists the declared
// ones; the implicit default network is not listed.
type Network struct {
	// Name is the network's key in the input.
	Name string
	// External: the network exists outside the app and other apps may attach to it, under
	// ExternalName (Compose name:, else the key).
	External     bool
	ExternalName string
	// Internal: members have no route outside the network (Compose internal: true).
	Internal bool
	Field    string
}

// FileData is a Compose secret or config: content from a file, an environment variable or
// inline content, or a reference to an existing object (External).
type FileData struct {
	Name string
	// File is the absolute path of the source file, when file-based.
	File string
	// Env is the environment variable the content comes from, when environment-based.
	Env string
	// Content holds the data read by the loader (file, environment or inline content).
	// For secrets it must only ever land in a Kubernetes Secret.
	Content []byte
	// Loaded says Content was read (false for external objects or unreadable sources).
	Loaded bool
	// External: the object exists in the cluster under ExternalName.
	External     bool
	ExternalName string
	Labels       []KV
	Field        string
	Pos          diag.Pos
}
