package compose

import (
	"github.com/berth-dev/berth/pkg/model"
	"github.com/compose-spec/compose-go/v2/types"
)

// keyed is one model value and the Compose key (below services.<name>) it is written under.
type keyed struct {
	key   model.Key
	set   bool
	field string
}

// record adds f.<field> to paths for every value that is set.
func record(paths *model.Paths, f string, values []keyed) {
	for _, v := range values {
		if v.set {
			paths.Add(v.key, f+"."+v.field)
		}
	}
}

// servicePaths records where each scalar of s was written (services.<name>.<key>).
func (m *mapper) servicePaths(s *model.Service, svc types.ServiceConfig) {
	f := s.Field
	written := func(keys ...string) string { // the first key the input has, else the first
		for _, k := range keys {
			if m.idx.has(f + "." + k) {
				return k
			}
		}
		return keys[0]
	}
	replicas := []string{"deploy.replicas", "scale"} // compose-go copies one into the other
	if !m.idx.has(f+".deploy.replicas") || !m.idx.has(f+".scale") {
		replicas = []string{written(replicas...)}
	}
	// restart wins over deploy.restart_policy; "on-failure:N" holds max_attempts too.
	restart, attempts := "restart", "restart"
	if svc.Restart == "" {
		restart = written("deploy.restart_policy.condition", "deploy.restart_policy")
		attempts = "deploy.restart_policy.max_attempts"
	}
	for _, k := range replicas {
		record(&s.Paths, f, []keyed{{model.KeyReplicas, s.Replicas != nil, k}})
	}
	record(&s.Paths, f, []keyed{
		{model.KeyHostname, s.Hostname != "", "hostname"},
		{model.KeyDomainname, s.Domainname != "", "domainname"},
		{model.KeyDNS, len(s.DNS) > 0, "dns"},
		{model.KeyDNSSearch, len(s.DNSSearch) > 0, "dns_search"},
		{model.KeyDNSOptions, len(s.DNSOptions) > 0, "dns_opt"},
		{model.KeyStopGrace, s.StopGrace != nil, "stop_grace_period"},
		{model.KeyPlatform, s.Platform != "", "platform"},
		{model.KeyGlobal, s.Global, "deploy.mode"},
		{model.KeyRestart, s.Restart != model.RestartDefault, restart},
		{model.KeyMaxAttempts, s.MaxAttempts != nil, attempts},
		{model.KeyNetworkMode, s.NetworkMode != "", "network_mode"},
		{model.KeyNetworks, m.idx.has(f + ".networks"), "networks"}, // not the implied default
		{model.KeyIPC, s.IPC != "", "ipc"},
		{model.KeyPID, s.PID != "", "pid"},
		{model.KeyLinks, len(s.Links) > 0, "links"},
		{model.KeyDependsOn, len(s.DependsOn) > 0, "depends_on"},
		{model.KeyLabels, len(svc.Labels) > 0, "labels"},
	})
}

// containerPaths records where each scalar of the service's container c was written.
func (m *mapper) containerPaths(c *model.Container, svc types.ServiceConfig) {
	record(&c.Paths, c.Field, []keyed{
		{model.KeyImage, svc.Image != "", "image"},
		{model.KeyBuild, svc.Build != nil, "build"},
		{model.KeyCommand, c.Command != nil, "entrypoint"},
		{model.KeyArgs, c.Args != nil, "command"},
		{model.KeyWorkingDir, c.WorkingDir != "", "working_dir"},
		{model.KeyUser, c.User != "", "user"},
		{model.KeyCapAdd, len(c.CapAdd) > 0, "cap_add"},
		{model.KeyCapDrop, len(c.CapDrop) > 0, "cap_drop"},
		{model.KeySecurityOpt, len(c.SecurityOpt) > 0, "security_opt"},
		{model.KeyPrivileged, c.Privileged, "privileged"},
		{model.KeyReadOnly, c.ReadOnly, "read_only"},
		{model.KeyInit, c.Init, "init"},
		{model.KeyTTY, c.TTY, "tty"},
		{model.KeyStdin, c.Stdin, "stdin_open"},
		{model.KeyShmSize, c.ShmSize > 0, "shm_size"},
	})
	// deploy.resources and the legacy fields may all contribute; Resources.Field names one.
	for _, k := range resourceKeys() {
		if m.idx.has(c.Field + "." + k) {
			c.Paths.Add(model.KeyResources, c.Field+"."+k)
		}
	}
}
