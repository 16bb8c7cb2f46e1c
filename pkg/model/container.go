package model

import (
	"time"

	"github.com/berth-dev/berth/pkg/diag"
)

// Container is one container of a service's pod.
type Container struct {
	Name  string
	Field string
	Pos   diag.Pos
	Image string
	// BuildOnly: the input had only a build section; Image was derived and must be pushed.
	BuildOnly bool
	// Build is the input's build section (Compose build); nil when the image is pulled as is.
	Build *Build
	// PullPolicy is Compose pull_policy as written (always, never, missing, build, ...).
	PullPolicy string
	// Command overrides the image ENTRYPOINT (Compose entrypoint, ECS entryPoint). nil = image
	// default; non-nil empty = explicitly cleared.
	Command []string
	// Args overrides the image CMD (Compose command, ECS command).
	Args       []string
	WorkingDir string
	User       string
	Env        []EnvVar // in input order, names unique
	// EnvFiles are environment files held outside the input (ECS environmentFiles on S3);
	// berth never fetches them.
	EnvFiles  []EnvFile
	Ports     []Port
	Mounts    []Mount
	Health    *Health
	Resources Resources
	CapAdd    []string
	CapDrop   []string
	// SecurityOpt are Compose security_opt entries as written (no-new-privileges:true,
	// seccomp=unconfined).
	SecurityOpt []string
	Privileged  bool
	ReadOnly    bool
	// Init: run an init process as PID 1 (Compose init, ECS initProcessEnabled).
	Init    bool
	Ulimits []Ulimit
	TTY     bool
	Stdin   bool
	// Essential is ECS essential (true for Compose).
	Essential bool
	// DependsOn are ECS container-level dependencies within the same task.
	DependsOn []ContainerDep
	// ShmSize is /dev/shm size in bytes, 0 = default.
	ShmSize int64
	// StopTimeout is the container's own stop timeout (ECS stopTimeout); the pod has one grace
	// period, Service.StopGrace.
	StopTimeout *time.Duration
	// GroupAdd are supplementary groups of the container's process (Compose group_add),
	// numbers or names; GroupAddField is their list's field.
	GroupAdd      []string
	GroupAddField string
	// RunOnce: docker compose runs this container once per service, not once per replica (a
	// Compose pre_start hook without per_replica).
	RunOnce bool
	// PostStart and PreStop are commands run in the container after it starts and before it
	// stops, in order (Compose post_start and pre_stop hooks).
	PostStart []Hook
	PreStop   []Hook
	// Paths are the input fields of the scalar values above (Image, WorkingDir, TTY, ...).
	Paths Paths
}

// Hook is a command run inside a running container (Compose post_start, pre_stop).
type Hook struct {
	Command []string
	// User, WorkingDir, Privileged and EnvNames are what the hook sets for itself (the values
	// of its environment are not kept: they may be secret).
	User       string
	WorkingDir string
	Privileged bool
	EnvNames   []string
	Field      string
}

// ContainerDep is an ECS dependsOn entry.
type ContainerDep struct {
	Container string
	// Condition is START, COMPLETE, SUCCESS or HEALTHY.
	Condition string
	Field     string
}

// EnvVar is one environment variable.
type EnvVar struct {
	Name  string
	Value string
	// Unset: declared without a value (Compose `- FOO`) and not resolvable; not set in Kubernetes.
	Unset bool
	// Secret: the input marks this variable as sensitive (x-berth.secretEnv); convert also
	// detects secret-looking names.
	Secret bool
	// From is an external secret reference (ECS secrets[].valueFrom); Value is empty then.
	From *SecretRef
	// File is the env file the value came from (Compose env_file, absolute path; the last file
	// that defines the name), "" when the input sets it directly. Variables of one file that
	// several services share go to an object named after the file.
	File  string `json:",omitempty"`
	Field string
}

// EnvFile is an environment file stored outside the input.
type EnvFile struct {
	// Location is where the file lives, e.g. an S3 object ARN.
	Location string
	// Type is the storage kind as written (ECS: "s3").
	Type  string
	Field string
}

// SecretRef points at a secret held outside the input (AWS Secrets Manager, SSM, ...).
type SecretRef struct {
	// Provider is "aws-secretsmanager" or "aws-ssm".
	Provider string
	// Ref is the ARN or parameter name as written in the input.
	Ref string
	// Name is the secret's name (ARN resource part or parameter path).
	Name    string
	Region  string
	Account string
	// JSONKey / Version select part of a Secrets Manager secret (ARN suffix :key:stage:version).
	JSONKey      string
	VersionStage string
	VersionID    string
	Field        string
}

// Protocol is a transport protocol.
type Protocol string

// Protocols.
const (
	TCP  Protocol = "TCP"
	UDP  Protocol = "UDP"
	SCTP Protocol = "SCTP"
)

// PortSource says where berth learned a port from.
type PortSource string

// Port sources.
const (
	FromPorts  PortSource = "ports"
	FromExpose PortSource = "expose"
	FromBerth  PortSource = "x-berth"
	FromImage  PortSource = "image"
	// FromDockerfile: EXPOSE in the Dockerfile of the service's build section.
	FromDockerfile PortSource = "Dockerfile EXPOSE"
	// FromProxyLabel: a reverse proxy's routing label names the port (Traefik
	// traefik.http.services.<name>.loadbalancer.server.port).
	FromProxyLabel PortSource = "proxy label"
	FromECS        PortSource = "portMappings"
)

// Port is a port the container listens on, and optionally where the host published it.
type Port struct {
	Target int32
	// Published is the host port (may be a range string as written); "" = not published.
	Published string
	HostIP    string
	// ServicePort is the port clients dial when it differs from Target (an ECS bridge-mode
	// hostPort); 0 = Target.
	ServicePort int32
	Protocol    Protocol
	Name        string
	// AppProtocol is e.g. http, grpc (from Compose app_protocol or ECS appProtocol).
	AppProtocol string
	Source      PortSource
	Field       string
}

// MountType is the kind of a mount.
type MountType string

// Mount types.
const (
	MountVolume MountType = "volume" // named volume
	MountAnon   MountType = "anonymous"
	MountBind   MountType = "bind"
	MountTmpfs  MountType = "tmpfs"
	MountSecret MountType = "secret"
	MountConfig MountType = "config"
	MountNpipe  MountType = "npipe"
	// MountFrom mounts every volume of another container of the pod at the same paths
	// (ECS volumesFrom, Docker --volumes-from); FromContainer names it, ReadOnly forces
	// read-only, Source and Target are empty.
	MountFrom MountType = "volumes-from"
)

// Mount is a filesystem mount into a container.
type Mount struct {
	Type MountType
	// Source is the volume/secret/config name, or the absolute host path for binds.
	Source   string
	Target   string
	ReadOnly bool
	SubPath  string
	// SizeLimit in bytes for tmpfs (0 = none).
	SizeLimit int64
	// Options are a tmpfs's mount options as written (ECS mountOptions); "ro" is ReadOnly too.
	Options []string
	// Mode is the file mode for secrets/configs (nil = default 0444).
	Mode *uint32
	UID  string
	GID  string
	// FromContainer is set for ECS volumesFrom.
	FromContainer string
	// Files holds the content of a bind mount's source when the loader read it (a small file
	// or directory inside the project directory); convert turns it into a ConfigMap.
	Files []File
	// NotRead says why a bind mount's source was not read ("outside the project directory",
	// "larger than 1 MiB", "docker socket", "missing", ...); empty when Files is set.
	NotRead string
	// Missing: the bind source did not exist when the input was loaded, so Docker creates an
	// empty directory there at start (create_host_path, Compose's default) and the container's
	// writes land in it: state, not configuration.
	Missing bool `json:",omitempty"`
	// IsDir: the bind source is a directory (Files are its regular files, relative names).
	IsDir bool
	// HomeSource is a bind source written under the user's home, as written and cleaned
	// ("~/.flowise"); Source holds it expanded to the home of whoever loaded the input, so
	// output names and messages use this form. Empty otherwise.
	HomeSource string `json:",omitempty"`
	Field      string
	// Paths are the input fields of the values above that have one of their own (Options).
	Paths Paths
}

// File is one file read from the project directory.
type File struct {
	// Name is the path relative to the mount source ("" for a single-file bind).
	Name    string
	Content []byte
	Mode    uint32
}

// HealthType is the form of a healthcheck test.
type HealthType string

// Healthcheck forms.
const (
	HealthExec  HealthType = "CMD"       // argv, no shell
	HealthShell HealthType = "CMD-SHELL" // one shell string
	HealthNone  HealthType = "NONE"      // disabled
)

// Health is a container healthcheck. Durations are nil when the input leaves them to defaults.
type Health struct {
	Type HealthType
	// Command is the argv for HealthExec or the single shell string (len 1) for HealthShell.
	Command       []string
	Interval      *time.Duration
	Timeout       *time.Duration
	StartPeriod   *time.Duration
	StartInterval *time.Duration
	Retries       *int32
	Field         string
}

// Resources are CPU (millicores), memory (bytes) and GPUs; zero = unset.
type Resources struct {
	CPURequest int64
	CPULimit   int64
	MemRequest int64
	MemLimit   int64
	GPUs       int64
	Field      string
}

// Ulimit is one ulimit.
type Ulimit struct {
	Name  string
	Soft  int64
	Hard  int64
	Field string
}
