package model

// Key names a value of a Service or a Container whose input fields the loader records in Paths.
// Values that are lists of their own records (ports, mounts, env, ...) carry a Field instead.
type Key string

// Keys of Service values.
const (
	KeyHostname        Key = "Hostname"
	KeyDomainname      Key = "Domainname"
	KeyDNS             Key = "DNS"
	KeyDNSSearch       Key = "DNSSearch"
	KeyDNSOptions      Key = "DNSOptions"
	KeyStopGrace       Key = "StopGrace"
	KeyPlatform        Key = "Platform"
	KeyReplicas        Key = "Replicas"
	KeyGlobal          Key = "Global"
	KeyRestart         Key = "Restart"
	KeyMaxAttempts     Key = "MaxAttempts"
	KeyNetworkMode     Key = "NetworkMode"
	KeyNetworks        Key = "Networks"
	KeyIPC             Key = "IPC"
	KeyPID             Key = "PID"
	KeyLinks           Key = "Links"
	KeyDependsOn       Key = "DependsOn"
	KeyLabels          Key = "Labels"
	KeyRoleARN         Key = "RoleARN"
	KeyExecutionRole   Key = "ExecutionRoleARN"
	KeyCompatibilities Key = "Compatibilities"
)

// Keys of Container values.
const (
	KeyImage       Key = "Image"
	KeyBuild       Key = "Build" // the build section an image is made from
	KeyCommand     Key = "Command"
	KeyArgs        Key = "Args"
	KeyWorkingDir  Key = "WorkingDir"
	KeyUser        Key = "User"
	KeyCapAdd      Key = "CapAdd"
	KeyCapDrop     Key = "CapDrop"
	KeySecurityOpt Key = "SecurityOpt"
	KeyPrivileged  Key = "Privileged"
	KeyReadOnly    Key = "ReadOnly"
	KeyInit        Key = "Init"
	KeyTTY         Key = "TTY"
	KeyStdin       Key = "Stdin"
	KeyShmSize     Key = "ShmSize"
	KeyStopTimeout Key = "StopTimeout"
	KeyEssential   Key = "Essential"
	// KeyResources lists every field that contributed to Resources besides Resources.Field
	// (Compose's legacy mem_limit, cpus, ... beside deploy.resources).
	KeyResources Key = "Resources"
)

// Keys of Volume and Mount values.
const (
	KeyDriver  Key = "Driver"  // Volume
	KeyOptions Key = "Options" // Mount
)

// Paths records the input fields each value was read from, so later stages name the field
// the user wrote (services.web.stop_grace_period, containerDefinitions[0].stopTimeout) without
// knowing the input format. A value merged from several fields (the dnsServers of every
// container of an ECS task) has several paths; a value the input does not set has none.
type Paths map[Key][]string

// Add records paths for k.
func (p *Paths) Add(k Key, paths ...string) {
	if len(paths) == 0 {
		return
	}
	if *p == nil {
		*p = Paths{}
	}
	(*p)[k] = append((*p)[k], paths...)
}

// Of returns the first path of k, "" when none is recorded.
func (p Paths) Of(k Key) string {
	if v := p[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// All returns every path of k, in the order the loader recorded them.
func (p Paths) All(k Key) []string { return p[k] }
