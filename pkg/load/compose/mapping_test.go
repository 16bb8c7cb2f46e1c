package compose

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"
)

// TestMapping checks one mapping rule per row against testdata/mapping/compose.yaml.
func TestMapping(t *testing.T) {
	app := load(t, "mapping", "TOKEN=t0ken")
	tests := []struct {
		name    string
		service string
		get     func(s *model.Service) any
		want    any
	}{
		{"entrypoint to command", "cmd", func(s *model.Service) any { return s.Main().Command }, []string{"/bin/sh", "-c"}},
		{"command string to args", "cmd", func(s *model.Service) any { return s.Main().Args }, []string{"echo", "hi"}},
		{"working dir and user", "cmd", func(s *model.Service) any { return []string{s.Main().WorkingDir, s.Main().User} }, []string{"/app", "1000:1000"}},
		{"no entrypoint is nil", "health-cmd", func(s *model.Service) any { return s.Main().Command == nil }, true},
		{"explicitly cleared", "cleared", func(s *model.Service) any {
			c := s.Main()
			return []bool{c.Command != nil, len(c.Command) == 0, c.Args != nil, len(c.Args) == 0}
		}, []bool{true, true, true, true}},
		{"healthcheck CMD", "health-cmd", func(s *model.Service) any { return s.Main().Health }, &model.Health{
			Type: model.HealthExec, Command: []string{"pg_isready", "-U", "postgres"}, Interval: ptr.To(5 * time.Second), Timeout: ptr.To(3 * time.Second),
			StartPeriod: ptr.To(30 * time.Second), StartInterval: ptr.To(1 * time.Second), Retries: ptr.To[int32](5), Field: "services.health-cmd.healthcheck",
		}},
		{"healthcheck CMD-SHELL", "health-shell", func(s *model.Service) any { return s.Main().Health }, &model.Health{
			Type: model.HealthShell, Command: []string{"curl -f http://localhost/ || exit 1"}, Field: "services.health-shell.healthcheck",
		}},
		{"healthcheck string", "health-string", func(s *model.Service) any { return s.Main().Health }, &model.Health{
			Type: model.HealthShell, Command: []string{"curl -f http://localhost/"}, Field: "services.health-string.healthcheck",
		}},
		{"healthcheck NONE", "health-none", func(s *model.Service) any { return s.Main().Health }, &model.Health{Type: model.HealthNone, Field: "services.health-none.healthcheck"}},
		{"healthcheck disable", "health-disable", func(s *model.Service) any { return s.Main().Health }, &model.Health{Type: model.HealthNone, Field: "services.health-disable.healthcheck"}},
		{"deploy global and restart policy", "global", func(s *model.Service) any { return []any{s.Global, s.Restart, *s.MaxAttempts} },
			[]any{true, model.RestartOnFailure, int32(4)}},
		{"deploy replicas", "replicas", func(s *model.Service) any { return *s.Replicas }, int32(3)},
		{"deploy resources and GPUs", "replicas", func(s *model.Service) any { return s.Main().Resources }, model.Resources{
			CPURequest: 250, CPULimit: 1500, MemRequest: 128 << 20, MemLimit: 512 << 20, GPUs: 2, Field: "services.replicas.deploy.resources",
		}},
		{"scale and restart on-failure:N", "scaled", func(s *model.Service) any { return []any{*s.Replicas, s.Restart, *s.MaxAttempts} },
			[]any{int32(2), model.RestartOnFailure, int32(3)}},
		{"legacy resources", "legacy", func(s *model.Service) any { return s.Main().Resources }, model.Resources{
			CPURequest: 500, CPULimit: 500, MemRequest: 256 << 20, MemLimit: 1 << 30, Field: "services.legacy.mem_limit",
		}},
		{"restart no", "legacy", func(s *model.Service) any { return s.Restart }, model.RestartNo},
		{"security", "security", func(s *model.Service) any {
			c := s.Main()
			return []any{c.CapAdd, c.CapDrop, c.Privileged, c.ReadOnly, c.Init, c.TTY, c.Stdin, c.ShmSize}
		}, []any{[]string{"NET_ADMIN"}, []string{"ALL"}, true, true, true, true, true, int64(64 << 20)}},
		{"sysctls", "security", func(s *model.Service) any { return s.Sysctls }, []model.KV{
			{Key: "net.core.somaxconn", Value: "1024", Field: "services.security.sysctls.net.core.somaxconn"},
		}},
		{"ulimits", "security", func(s *model.Service) any { return s.Main().Ulimits }, []model.Ulimit{
			{Name: "nofile", Soft: 20000, Hard: 40000, Field: "services.security.ulimits.nofile"},
			{Name: "nproc", Soft: 65535, Hard: 65535, Field: "services.security.ulimits.nproc"},
		}},
		{"extra hosts by IP", "host", func(s *model.Service) any { return s.ExtraHosts }, []model.HostAlias{
			{IP: "10.0.0.1", Hostnames: []string{"api.local"}, Field: "services.host.extra_hosts"},
			{IP: "10.0.0.2", Hostnames: []string{"cache.local", "db.local"}, Field: "services.host.extra_hosts"},
		}},
		{"host fields", "host", func(s *model.Service) any {
			return []any{s.Hostname, s.Domainname, s.DNS, s.DNSSearch, s.DNSOptions, *s.StopGrace, s.Platform, s.IPC, s.PID, s.NetworkMode}
		}, []any{"h1", "example.com", []string{"1.1.1.1", "8.8.8.8"}, []string{"example.com"}, []string{"use-vc"}, 90 * time.Second, "linux/arm64", "host", "host", "host"}},
		{"labels", "host", func(s *model.Service) any { return s.Labels }, []model.KV{
			{Key: "com.example.team", Value: "core", Field: "services.host.labels.com.example.team"},
			{Key: "tier", Value: "web", Field: "services.host.labels.tier"},
		}},
		{"depends_on", "deps", func(s *model.Service) any { return s.DependsOn }, []model.Dependency{
			{Service: "cmd", Condition: model.ConditionCompleted, Required: false, Field: "services.deps.depends_on.cmd"},
			{Service: "health-cmd", Condition: model.ConditionHealthy, Required: true, Restart: true,
				RestartField: "services.deps.depends_on.health-cmd.restart", Field: "services.deps.depends_on.health-cmd"},
			{Service: "scaled", Condition: model.ConditionStarted, Required: true, Field: "services.deps.depends_on.scaled"},
		}},
		{"links", "deps", func(s *model.Service) any { return s.Links }, []string{"cmd:command"}},
		{"mounts", "mounts", func(s *model.Service) any { return s.Main().Mounts }, []model.Mount{
			{Type: model.MountVolume, Source: "data", Target: "/data", Field: "services.mounts.volumes[0]"},
			{Type: model.MountAnon, Target: "/anon", Field: "services.mounts.volumes[1]"},
			{Type: model.MountVolume, Source: "data", Target: "/sub", SubPath: "app/sub", Field: "services.mounts.volumes[2]"},
			{Type: model.MountTmpfs, Target: "/scratch", SizeLimit: 1 << 20, Field: "services.mounts.volumes[3]"},
			{Type: model.MountNpipe, Source: `\\.\pipe\docker_engine`, Target: `\\.\pipe\docker_engine`, Field: "services.mounts.volumes[4]"},
			{Type: model.MountTmpfs, Target: "/run", Field: "services.mounts.tmpfs[0]"},
			{Type: model.MountTmpfs, Target: "/tmp", SizeLimit: 64 << 20, Field: "services.mounts.tmpfs[1]"},
			{Type: model.MountSecret, Source: "token", Target: "/run/secrets/token", ReadOnly: true, Field: "services.mounts.secrets[0]"},
			{Type: model.MountSecret, Source: "token", Target: "/etc/token", ReadOnly: true, UID: "100", GID: "101", Mode: ptr.To[uint32](0o440), Field: "services.mounts.secrets[1]"},
			{Type: model.MountConfig, Source: "app_conf", Target: "/app_conf", ReadOnly: true, Field: "services.mounts.configs[0]"},
			{Type: model.MountConfig, Source: "app_conf", Target: "/etc/app.conf", ReadOnly: true, Field: "services.mounts.configs[1]"},
		}},
		{"ports and expose", "nets", func(s *model.Service) any { return s.Main().Ports }, []model.Port{
			{Target: 80, Published: "8080", HostIP: "127.0.0.1", Protocol: model.TCP, Name: "web", AppProtocol: "http", Source: model.FromPorts, Field: "services.nets.ports[0]"},
			{Target: 9000, HostIP: "127.0.0.1", Protocol: model.TCP, Source: model.FromPorts, Field: "services.nets.ports[1]"},
			{Target: 5000, Protocol: model.TCP, Source: model.FromPorts, Field: "services.nets.ports[2]"},
			{Target: 7000, Protocol: model.TCP, Source: model.FromExpose, Field: "services.nets.expose[0]"},
			{Target: 7001, Protocol: model.TCP, Source: model.FromExpose, Field: "services.nets.expose[0]"},
			{Target: 53, Protocol: model.UDP, Source: model.FromExpose, Field: "services.nets.expose[1]"},
		}},
		{"aliases from networks", "nets", func(s *model.Service) any { return s.Aliases }, []string{"api-internal", "www"}},
		{"aliases from links", "cmd", func(s *model.Service) any { return s.Aliases }, []string{"command"}},
		{"update_config start-first", "replicas", func(s *model.Service) any { return s.Rollout },
			&model.Rollout{MaxSurge: "2", MaxUnavailable: "0", Field: "services.replicas.deploy.update_config"}},
		{"update_config default stop-first", "global", func(s *model.Service) any { return s.Rollout },
			&model.Rollout{MaxSurge: "0", MaxUnavailable: "1", Field: "services.global.deploy.update_config"}},
		{"networks", "nets", func(s *model.Service) any { return s.Networks }, []string{"back", "front"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := app.Service(tt.service)
			if s == nil {
				t.Fatalf("no service %s", tt.service)
			}
			if diff := cmp.Diff(tt.want, tt.get(s)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.service, diff)
			}
		})
	}
}

func TestMappingTopLevel(t *testing.T) {
	app := load(t, "mapping", "TOKEN=t0ken")
	wantVols := []model.Volume{
		{Name: "data", Driver: "local", Labels: []model.KV{{Key: "backup", Value: "daily", Field: "volumes.data.labels.backup"}}, Field: "volumes.data",
			Paths: model.Paths{model.KeyDriver: {"volumes.data.driver"}}, EngineName: "mapping_data"},
		{Name: "ext", External: true, ExternalName: "shared-data", EngineName: "shared-data", Field: "volumes.ext"},
	}
	ignorePos := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Pos" }, cmp.Ignore())
	if diff := cmp.Diff(wantVols, app.Volumes, ignorePos); diff != "" {
		t.Errorf("volumes (-want +got):\n%s", diff)
	}
	wantSecrets := []model.FileData{
		{Name: "ext_secret", External: true, ExternalName: "prod-secret", Field: "secrets.ext_secret"},
		{Name: "token", Env: "TOKEN", Content: []byte("t0ken"), Loaded: true, Field: "secrets.token"},
	}
	if diff := cmp.Diff(wantSecrets, app.Secrets, ignorePos); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	wantConfigs := []model.FileData{{Name: "app_conf", Content: []byte("key=value\n"), Loaded: true, Field: "configs.app_conf"}}
	if diff := cmp.Diff(wantConfigs, app.Configs, ignorePos); diff != "" {
		t.Errorf("configs (-want +got):\n%s", diff)
	}
	wantNets := []model.Network{
		{Name: "back", Internal: true, Field: "networks.back"},
		{Name: "front", Field: "networks.front"},
		{Name: "outside", External: true, ExternalName: "outside", Field: "networks.outside"},
	}
	if diff := cmp.Diff(wantNets, app.Networks); diff != "" {
		t.Errorf("networks (-want +got):\n%s", diff)
	}
}
