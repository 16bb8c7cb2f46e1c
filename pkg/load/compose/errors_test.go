package compose

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
)

// TestLoadErrors checks that each kind of bad input gives one error naming file:line:col,
// service and field, in words a user understands.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		dir     string
		environ []string
		want    string
	}{
		{"yaml", nil, "compose.yaml:4:4: invalid YAML: did not find expected key (while parsing a block mapping at line 2, column 3)"},
		{"yaml2", nil, "compose.yaml:2:1: invalid YAML: found character that cannot start any token"},
		{"yaml3", nil, "compose.yaml:2:1: invalid YAML: did not find expected node content"},
		{"yaml4", nil, "compose.yaml:4:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 3, column 12)"},
		{"empty", nil, "compose.yaml: the file is empty: a compose file needs a services section"},
		{"toplevel", nil, `compose.yaml:1:1: servics: unknown key "servics"; did you mean services?`},
		{"unknownkey", nil, `compose.yaml:4:5: services.web.portz: unknown key "portz"; did you mean ports?`},
		{"wrongtype", nil, `compose.yaml:4:17: services.web.privileged: must be true or false, not "maybe"`},
		{"listtype", nil, "compose.yaml:4:12: services.web.ports: must be a list"},
		{"envfile", nil, "compose.yaml:4:15: services.web.env_file: env file missing.env does not exist (mark it required: false if it is optional)"},
		{"envfile2", nil, "compose.yaml:7:9: services.a.env_file[1]: env file first-missing.env does not exist (mark it required: false if it is optional)"},
		{"badport", nil, `compose.yaml:6:9: services.web.ports[1]: invalid port "abc:80": invalid hostPort: abc`},
		{"override-error", nil, `compose.override.yaml:4:9: services.web.ports[0]: invalid port "80:80:80:80": invalid IP address: 80:80`},
		{"cycle", nil, "compose.yaml:4:18: services.a.depends_on.b: depends_on cycle: a -> b -> a"},
		{"deponundef", nil, `compose.yaml:4:18: services.web.depends_on.db: depends on "db", which is not a service in this project`},
		{"dotdot", nil, `compose.yaml:2:3: services.../../x: invalid service name "../../x": use only letters, digits, '.', '_' and '-'`},
		{"required", nil, "compose.yaml:3:12: services.web.image: required variable TAG is not set: TAG must be set"},
		// compose-go interpolates env files too: the error names the env file's line
		{"required-envfile", nil, "app.env:2:7: services.api.env_file[1]: required variable API_TOKEN is not set: set API_TOKEN"},
		{"required-dotenv", nil, ".env:2:6: required variable VERSION is not set"},
		{"undefvol", nil, `compose.yaml:4:15: services.web.volumes[0]: volume "data" is not defined in the top-level volumes section`},
		{"noimage", nil, "compose.yaml:2:3: services.web: needs an image or a build section"},
		{"extendsmissing", nil, "compose.yaml:5:13: services.web.extends.file: nope.yaml does not exist"},
		{"scale-conflict", nil, "compose.yaml:2:3: services.web: can't set distinct values on 'scale' and 'deploy.replicas'"},
		{"netmode-conflict", nil, "compose.yaml:4:19: services.web.network_mode: network_mode and networks cannot both be set"},
		{"extends-cycle", nil, "compose.yaml:4:14: services.a.extends: extends cycle: a -> b -> a"},
		{"extends-unknown", nil, `compose.yaml:3:14: services.a.extends: extends service "base", which compose.yaml does not define`},
		{"include-cycle", nil, "compose.yaml:1:1: include: include cycle: compose.yaml includes compose.yaml"},
		{"healthcheck", nil, `compose.yaml:5:7: services.web.healthcheck.test: a test list must start with CMD, CMD-SHELL or NONE, not "CURL" (or write the command as one string)`},
		{"duration", nil, `compose.yaml:4:24: services.web.stop_grace_period: invalid duration "soon"`},
		{"xberth-unknown", nil, `compose.yaml:6:17: services.web.x-berth.replicaz: unknown x-berth field "replicaz" (known: annotations, autoscale, configEnv, expose, healthPath, host, hostPaths, kind, nodeSelector, path, plainEnv, ports, schedule, secretEnv, serviceAccount, serviceAnnotations)`},
		{"xberth-type", nil, "compose.yaml:5:7: services.web.x-berth.ports: must be an integer, not string"},
		{"xberth-kind", nil, `compose.yaml:5:13: services.web.x-berth.kind: unknown kind "Pod" (one of Deployment, StatefulSet, DaemonSet, Job, CronJob)`},
		{"xberth-volume", nil, `compose.yaml:8:13: volumes.data.x-berth.size: size "lots": want a positive quantity such as 10Gi`},
		// the same rule as --volume-size (model.CheckSize): 0Gi was accepted here and refused there
		{"xberth-volumesize-zero", nil, `compose.yaml:2:15: x-berth.volumeSize: volumeSize "0Gi": want a positive quantity such as 10Gi`},
		{"xberth-volumes", nil, `compose.yaml:3:5: x-berth.volumes.dta: no top-level volume "dta" to apply these options to`},
		{"xberth-top", nil, `compose.yaml:4:13: x-berth.exposure: unknown x-berth field "exposure"; did you mean expose? (known: clusterIssuer, domain, expose, gatewayClass, ingressClass, ingressNamespace, namespace, networkPolicies, routing, storageClass, tlsSecret, volumeSize, volumes, waitImage)`},
		{"xberth-netpol", nil, `compose.yaml:3:21: x-berth.ingressNamespace: ingressNamespace "Ingress_Nginx": want a DNS label (lower-case letters, digits and '-', at most 63)`},
		{"xberth-netpol-type", nil, `compose.yaml:2:20: x-berth.networkPolicies: must be a boolean, not string`},
		{"alias-cycle", nil, "compose.yaml:2:8: alias *common is inside its own anchor &common (line 1, column 4): the document would be infinite"},
		{"alias-merge-cycle", nil, "compose.yaml:4:9: alias *web is inside its own anchor &web (line 2, column 8): the document would be infinite"},
		{"alias-bomb", nil, "compose.yaml:7:22: excessive aliasing: alias *c stands for 820 nodes and aliases so far for 5009, in a document of 48 nodes"},
		{"xberth-routing", nil, `compose.yaml:6:12: x-berth.routing: routing "gateways": want ingress or gateway`},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			_, err := Load(context.Background(), Options{WorkingDir: filepath.Join("testdata", "errors", tt.dir), Environ: tt.environ})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *diag.Err", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestLoadMissingFiles(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"-f missing", Options{Files: []string{filepath.Join(dir, "nope.yaml")}, WorkingDir: dir}, "nope.yaml: nope.yaml does not exist"},
		{"no compose file", Options{WorkingDir: dir}, dir + ": no compose file found here or in any parent directory (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml); use -f"},
		{"--env-file missing", Options{WorkingDir: filepath.Join("testdata", "basic"), EnvFiles: []string{filepath.Join(dir, "x.env")}},
			"compose options: couldn't find env file: " + filepath.Join(dir, "x.env")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(context.Background(), tt.o)
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Fatalf("error %v is %T, want *diag.Err", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}
