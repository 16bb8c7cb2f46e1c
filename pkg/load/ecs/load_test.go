package ecs

import (
	"bytes"
	"encoding/json"
	"errors"
	goldenfile "github.com/berth-dev/berth/internal/golden"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// loadCase loads testdata/<name>: every *.json except service*.json is a task definition file,
// service*.json are describe-services outputs, and a file named "family" holds Options.Family.
func loadCase(t *testing.T, dir string) (*model.App, error) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files, svcs []Source
	opts := Options{Dir: dir}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Name() == "family":
			opts.Family = strings.TrimSpace(string(data))
		case strings.HasPrefix(e.Name(), "service") && strings.HasSuffix(e.Name(), ".json"):
			svcs = append(svcs, NewSource(e.Name(), data))
		case strings.HasSuffix(e.Name(), ".json"), strings.HasSuffix(e.Name(), ".yaml"):
			files = append(files, NewSource(e.Name(), data))
		}
	}
	return Parse(files, svcs, opts)
}

// dump renders an app (or the error) as stable, readable JSON for golden files.
func dump(t *testing.T, app *model.App, err error) []byte {
	t.Helper()
	if err != nil {
		return []byte("error: " + err.Error() + "\n")
	}
	app.Dir = ""
	out, merr := json.MarshalIndent(app, "", "  ")
	if merr != nil {
		t.Fatal(merr)
	}
	return append(out, '\n')
}

// TestGolden runs each mapping-rule case in testdata/<case>/ and compares the model (or the
// error) with testdata/<case>/model.golden. Each case is loaded twice: the bytes must match.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	n := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || filepath.Base(dir) == "fuzz" {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			app, err := loadCase(t, dir)
			first := dump(t, app, err)
			app, err = loadCase(t, dir)
			second := dump(t, app, err)
			if !bytes.Equal(first, second) {
				t.Fatalf("two loads differ:\n%s\n---\n%s", first, second)
			}
			goldenfile.AssertBytes(t, filepath.Join(dir, "model.golden"), first)
		})
	}
	if n == 0 {
		t.Fatal("no golden cases")
	}
}

// TestErrors checks that bad input is one precise error: file:line:col, field, container.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "{\n  \"family\": \"x\",\n  \"containerDefinitions\": [\n}", "t.json:4:1: invalid JSON"},
		{"trailing", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1}]} x`, "t.json:1:77: unexpected data after the top-level value"},
		{"case", "{\"family\":\"x\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":1,\n \"Image\":\"j\"}]}", `t.json:2:2: containerDefinitions[0].Image: container "a": unknown field "Image" (did you mean "image"? keys are case-sensitive)`},
		{"type", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":"512"}]}`, `t.json:1:72: containerDefinitions[0].memory: container "a": want an integer, got string "512"`},
		{"float", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1.5}]}`, `containerDefinitions[0].memory: container "a": want an integer, got number 1.5`},
		{"no family", `{"containerDefinitions":[{"name":"a","image":"i","memory":1}]}`, "t.json:1:1: family: family is required"},
		{"no image", `{"family":"x","containerDefinitions":[{"name":"a","memory":1}]}`, `t.json:1:39: containerDefinitions[0]: container "a": image is required`},
		{"no name", `{"family":"x","containerDefinitions":[{"image":"i","memory":1}]}`, `t.json:1:39: containerDefinitions[0]: container name is required`},
		{"dup name", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1},{"name":"a","image":"i","memory":1}]}`, `containerDefinitions[1].name: container "a": two containers are named "a"`},
		{"sanitized clash", `{"family":"x","containerDefinitions":[{"name":"a_b","image":"i","memory":1},{"name":"a-b","image":"i","memory":1}]}`, `both become "a-b"`},
		{"no memory", `{"family":"x","containerDefinitions":[{"name":"a","image":"i"}]}`, `container "a": set memory or memoryReservation`},
		{"reservation", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":10,"memoryReservation":20}]}`, `containerDefinitions[0].memoryReservation: container "a": memoryReservation (20 MiB) is above memory (10 MiB)`},
		{"dep target", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"dependsOn":[{"containerName":"b","condition":"START"}]}]}`, `containerDefinitions[0].dependsOn[0].containerName: container "a": no container is named "b"`},
		{"dep condition", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"dependsOn":[{"containerName":"b","condition":"READY"}]},{"name":"b","image":"i","memory":1}]}`, `condition "READY": want START, COMPLETE, SUCCESS or HEALTHY`},
		{"healthy without check", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"dependsOn":[{"containerName":"b","condition":"HEALTHY"}]},{"name":"b","image":"i","memory":1}]}`, `HEALTHY needs a healthCheck on container "b"`},
		{"complete essential", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"dependsOn":[{"containerName":"b","condition":"SUCCESS"}]},{"name":"b","image":"i","memory":1}]}`, `SUCCESS cannot wait for essential container "b"`},
		{"dep cycle", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"dependsOn":[{"containerName":"b","condition":"START"}]},{"name":"b","image":"i","memory":1,"dependsOn":[{"containerName":"a","condition":"START"}]}]}`, `dependsOn forms a cycle through container`},
		{"volumes from self", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"volumesFrom":[{"sourceContainer":"a"}]}]}`, `containerDefinitions[0].volumesFrom[0].sourceContainer: container "a": a container cannot take volumes from itself`},
		{"too many containers", `{"family":"x","memory":"512","containerDefinitions":[` + strings.Repeat(`{"name":"a","image":"i"},`, 10) + `{"name":"b","image":"i"}]}`, `containerDefinitions: 11 containers: ECS allows at most 10 per task definition`},
		{"volume clash", `{"family":"x","volumes":[{"name":"a_b"},{"name":"a-b"}],"containerDefinitions":[{"name":"a","image":"i","memory":1}]}`, `volumes[1].name: volumes "a_b" and "a-b" both become "x-a-b" in Kubernetes`},
		{"none essential", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"essential":false}]}`, `at least one container must be essential`},
		{"volume ref", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"mountPoints":[{"sourceVolume":"v","containerPath":"/d"}]}]}`, `containerDefinitions[0].mountPoints[0].sourceVolume: container "a": no task volume is named "v" (the task defines no volumes)`},
		{"health cmd", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"healthCheck":{"command":["curl","-f","x"]}}]}`, `first element "curl": want CMD or CMD-SHELL`},
		{"health range", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"healthCheck":{"command":["CMD","true"],"interval":1}}]}`, `containerDefinitions[0].healthCheck.interval: container "a": interval 1 is outside ECS's range 5-300`},
		{"protocol", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"portMappings":[{"containerPort":80,"protocol":"TCP"}]}]}`, `protocol "TCP": want tcp or udp`},
		{"port", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"portMappings":[{"hostPort":80}]}]}`, `containerPort must be 1-65535`},
		{"task cpu", `{"family":"x","cpu":"lots","containerDefinitions":[{"name":"a","image":"i","memory":1}]}`, `t.json:1:15: cpu: task cpu "lots"`},
		{"secret arn", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"secrets":[{"name":"P","valueFrom":"arn:aws:s3:::bucket/key"}]}]}`, `not "s3"`},
		{"ssm colon", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"secrets":[{"name":"P","valueFrom":"arn:aws:ssm:us-east-1:123456789012:parameter:/p"}]}]}`, `an SSM parameter ARN needs parameter/<name>`},
		{"role placeholder", `{"family":"x","executionRoleArn":"${ROLE}","containerDefinitions":[{"name":"a","image":"i","memory":1}]}`, `executionRoleArn: "${ROLE}" is neither an IAM role ARN nor a role name`},
		{"efs access point", `{"family":"x","volumes":[{"name":"v","efsVolumeConfiguration":{"fileSystemId":"fs-1","authorizationConfig":{"accessPointId":"fsap-1"}}}],"containerDefinitions":[{"name":"a","image":"i","memory":1}]}`, `volumes[0].efsVolumeConfiguration.transitEncryption: an access point or IAM authorization needs transitEncryption ENABLED`},
		{"terraform family", `[{"name":"a","image":"i","memory":1}]`, `t.json:1:1: a Terraform container_definitions array carries no family`},
		{"cfn number", `{"Resources":{"T":{"Type":"AWS::ECS::TaskDefinition","Properties":{"ContainerDefinitions":[{"Name":"a","Image":"i","Memory":{"Ref":"Mem"}}]}}}}`, `Resources.T.Properties.ContainerDefinitions[0].Memory: container "a": CloudFormation function Ref cannot be evaluated offline`},
		{"deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), "nesting deeper than 64 levels"},
		{"secret value not echoed", `{"family":"x","containerDefinitions":[{"name":"a","image":"i","memory":1,"environment":[{"name":"DB_PASSWORD","value":12345}]}]}`, `containerDefinitions[0].environment[0].value: container "a": want a string, got number`},
		{"yaml alias cycle", "Resources: &r\n  Task: *r\n", `t.json:2:9: alias *r is inside its own anchor &r (line 1, column 12): the document would be infinite`},
		{"yaml alias bomb", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n", `t.json:4:14: excessive aliasing: alias *c`},
		{"long keys", `{"Resources":{"` + strings.Repeat("k", 1<<20) + `":{"Type":"AWS::ECS::TaskDefinition","Properties":{"ContainerDefinitions":[` + strings.Repeat(`{},`, 100) + `{}]}}}}`, `the field paths of this document would take more than 64 MiB`},
		{"too large", `{"family":"` + strings.Repeat("x", 9<<20) + `"}`, `t.json: the file is 9.0 MiB; berth reads files of up to 8 MiB`},
		{"not object", `"x"`, `t.json:1:1: want a task definition object, got string "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]Source{NewSource("t.json", []byte(tt.in))}, nil, Options{})
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			var de *diag.Err
			if !errors.As(err, &de) {
				t.Fatalf("got %T %v, want a *diag.Err", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "12345") {
				t.Errorf("the error repeats an environment value: %s", err)
			}
		})
	}
}
