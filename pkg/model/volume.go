package model

import "github.com/berth-dev/berth/pkg/diag"

// Volume is a named volume (Compose top-level volumes, ECS task volumes).
type Volume struct {
	Name     string
	Driver   string
	External bool
	// ExternalName is the existing claim's name when External.
	ExternalName string
	// EngineName is the name the source's container engine gives the volume (Compose: its
	// name:, by default <project>_<key>), for the commands that read the old side's data.
	EngineName string `json:",omitempty"`
	// Size (e.g. "10Gi") and StorageClass come from x-berth or flags; "" = defaults.
	Size         string
	StorageClass string
	// Shared: used by several services, or ECS scope shared (needs ReadWriteMany or one pod).
	// AccessMode is ReadWriteOnce (default), ReadWriteMany or ReadOnlyMany.
	AccessMode string
	Shared     bool
	// Scratch: lives as long as the pod (ECS scope task, name-only volumes).
	Scratch bool
	// Cache: the workload fetches the data itself (a model server's downloaded weights):
	// nothing to move from the old side.
	Cache bool `json:",omitempty"`
	// Memory: a tmpfs-backed scratch volume (ECS driverOpts type tmpfs): an emptyDir in memory.
	Memory bool
	// HostPath is an ECS host.sourcePath (or an x-berth-allowed bind).
	HostPath string
	EFS      *EFS
	Labels   []KV
	Field    string
	Pos      diag.Pos
	// Paths are the input fields of the scalar values above (Driver).
	Paths Paths
}

// EFS is an Amazon EFS volume.
type EFS struct {
	FileSystemID      string
	RootDirectory     string
	AccessPointID     string
	TransitEncryption bool
	IAM               bool
	Field             string
}
