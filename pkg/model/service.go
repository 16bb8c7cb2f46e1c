package model

import (
	"time"

	"github.com/berth-dev/berth/pkg/diag"
)

// Kind is the workload kind a service asks for. Empty means: let convert decide.
type Kind string

// Workload kinds.
const (
	KindAuto        Kind = ""
	KindDeployment  Kind = "Deployment"
	KindStatefulSet Kind = "StatefulSet"
	KindDaemonSet   Kind = "DaemonSet"
	KindJob         Kind = "Job"
	KindCronJob     Kind = "CronJob"
)

// Restart is a Compose-style restart policy.
type Restart string

// Restart policies.
const (
	RestartDefault       Restart = ""
	RestartAlways        Restart = "always"
	RestartNo            Restart = "no"
	RestartOnFailure     Restart = "on-failure"
	RestartUnlessStopped Restart = "unless-stopped"
)

// Service is one deployable unit: a Compose service or an ECS task definition. It becomes one
// pod template; Containers[0] is the main container.
type Service struct {
	Name string
	// Field is the input path of the service (services.web, or the ECS file's task root).
	Field string
	Pos   diag.Pos
	Kind  Kind
	// Replicas is nil when the input does not say.
	Replicas *int32
	// Global: one pod per node (deploy.mode: global).
	Global      bool
	Restart     Restart
	MaxAttempts *int32
	Containers  []Container
	DependsOn   []Dependency // sorted by Service
	// Links are legacy links to other services (Compose links; nothing needed in Kubernetes).
	Links []string
	// PodLinks are further names the pod's own containers answer to (ECS links between the
	// containers of a task: names and aliases).
	PodLinks []string
	// ContainerName is Compose container_name: one more DNS name Compose serves for it.
	ContainerName string
	Hostname      string
	Domainname    string
	ExtraHosts    []HostAlias // sorted by IP
	DNS           []string
	DNSSearch     []string
	DNSOptions    []string
	Sysctls       []KV // sorted by Key
	// Labels are the service's labels (become annotations: they are often not label-safe).
	Labels []KV // sorted by Key
	// Platform is e.g. linux/arm64.
	Platform string
	// Networks are the networks the service is attached to by name, sorted. Empty with an
	// empty NetworkMode means the implicit DefaultNetwork.
	Networks []string
	// NetworkMode is Compose network_mode or ECS networkMode as written: "" (networks
	// apply), host, none, bridge, service:NAME, container:ID, awsvpc.
	NetworkMode string
	IPC         string
	PID         string
	StopGrace   *time.Duration
	Profiles    []string
	// RoleARN is an IAM role for the workload's pods (ECS taskRoleArn).
	RoleARN string
	// ExecutionRoleARN is the ECS execution role (what pulls images and reads secrets).
	ExecutionRoleARN string
	// PullSecrets are registry credentials needed for the images.
	PullSecrets []SecretRef
	// Resources are task-level resources (ECS), used for containers that set none.
	Resources Resources
	// Version is the input's revision of the service (ECS task definition revision); it becomes
	// the app.kubernetes.io/version label. "" = unknown.
	Version string
	// Compatibilities are the launch types the input requires (ECS requiresCompatibilities:
	// EC2, FARGATE, EXTERNAL), so convert can report what a serverless node pool forbids.
	Compatibilities []string
	// Rollout is the update strategy the input asks for; nil = berth's default.
	Rollout *Rollout
	// NameVars are the DNS names of the service (hostname, container_name, aliases) the input
	// wrote as one variable reference, Key the name and Value the variable, sorted by Key.
	NameVars []KV `json:",omitempty"`
	// Aliases are further DNS names clients use to reach the service (ECS Service Connect
	// discovery names and client aliases), sorted.
	Aliases []string
	Options ServiceOptions
	// Constraints are swarm placement constraints (deploy.placement.constraints) as written:
	// "node.labels.zone==eu"; Key holds the expression.
	Constraints []KV
	// Model is set on a service the loader made to serve a language model (Compose models:).
	Model *ModelServer
	// Trigger is set on a Compose job (top-level jobs:): a container run to completion on a
	// schedule or by hand.
	Trigger *JobTrigger
	// Paths are the input fields of the scalar values above (Hostname, DNS, StopGrace, ...).
	Paths Paths
}

// Rollout bounds a rolling update, as Kubernetes intstr values ("25%" or "1").
type Rollout struct {
	MaxSurge       string
	MaxUnavailable string
	Field          string
}

// Main returns the main container.
func (s *Service) Main() *Container { return &s.Containers[0] }

// Condition is what a dependency waits for.
type Condition string

// Dependency conditions (Compose names; ECS START/HEALTHY/COMPLETE/SUCCESS map onto them).
const (
	ConditionStarted   Condition = "service_started"
	ConditionHealthy   Condition = "service_healthy"
	ConditionCompleted Condition = "service_completed_successfully"
	// ConditionComplete is ECS COMPLETE: the container exited, with any code.
	ConditionComplete Condition = "complete"
)

// Dependency is a start-order dependency on another service.
type Dependency struct {
	Service   string
	Condition Condition
	// Required false: start anyway when the dependency is missing.
	Required bool
	// Restart asks to restart the dependent when the dependency restarts; RestartField is
	// where the input says so.
	Restart      bool
	RestartField string
	// Implicit: not written in depends_on but implied by another field (network_mode
	// service:X, volumes_from, links); Field is that field. Its restart flag is compose-go's,
	// not the user's, so it is not kept.
	Implicit bool
	Field    string
}

// HostAlias is an extra_hosts entry.
type HostAlias struct {
	IP        string
	Hostnames []string
	Field     string
}

// JobTrigger is when a Compose job runs (jobs.NAME.triggers): on Schedule (cron syntax, in
// TimeZone when set), or, without a schedule, only when started by hand (Manual).
type JobTrigger struct {
	Schedule, TimeZone string
	// Queue: a fire while a run goes on waits for it (concurrency: queue); Kubernetes has
	// no queue, the CronJob skips such a fire (Compose's default, forbid).
	Queue bool
	// SkipMissed: fires missed while the platform was unavailable are skipped (missed_fires:
	// skip); Compose's default runs one catch-up.
	SkipMissed bool
	// Manual: no schedule; the job runs only when started by hand.
	Manual bool
	// Field is the input path of the schedule used (jobs.NAME.triggers.schedule[0]), or of
	// triggers when there is none.
	Field string
}
