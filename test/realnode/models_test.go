package realnode_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/pkg/load/compose"
	"github.com/berth-dev/berth/test/cluster/realnode"
)

// llamaServerImage stands in for llama.cpp's server image (ghcr.io/ggml-org/llama.cpp:server):
// the same entrypoint, working directory, LLAMA_ARG_HOST and curl (for the image's and berth's
// healthcheck, curl -f http://localhost:8080/health), with test/realnode/cmd/llama-server as
// /app/llama-server: it refuses any flag llama-server does not have and serves /health and
// /v1/models.
func llamaServerImage(ctx context.Context) (v1.Image, error) {
	bin, err := realnode.GoBinary(ctx, "github.com/berth-dev/berth/test/realnode/cmd/llama-server")
	if err != nil {
		return nil, err
	}
	files, err := realnode.HostFiles("/usr/bin/curl")
	if err != nil {
		return nil, err
	}
	files = append(files, realnode.File{Path: "/app/llama-server", Mode: 0o755, Data: bin})
	return realnode.Image(files, realnode.ImageConfig{
		Entrypoint:   []string{"/app/llama-server"},
		Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LLAMA_ARG_HOST=0.0.0.0"},
		WorkingDir:   "/app",
		ExposedPorts: []string{"8080/tcp"},
	})
}

// checkModels converts and applies testdata/models (a Compose model and two consumers) with
// berth apply --wait: the model server (the stand-in) must accept the arguments berth gives
// it and become Ready through its /health probe, and each consumer must wait for it. From
// inside each consumer's pod, <MODEL>_URL + "models" must answer with the model named by
// <MODEL>_MODEL. The app is taken down afterwards: the server requests a whole CPU.
func checkModels(ctx context.Context, t *testing.T, s *shopNode) {
	img, err := llamaServerImage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.n.Push(ctx, compose.ModelImage, img); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("testdata", "models", "compose.yaml")
	start := time.Now()
	out, err := runBerth(s.berth, "apply", "-f", file, "--kubeconfig", s.n.Kubeconfig, "--wait", "--timeout", applyTimeout())
	t.Logf("berth apply --wait took %s:\n%s", since(start), out)
	defer func() {
		if out, err := runBerth(s.berth, "down", "-f", file, "--kubeconfig", s.n.Kubeconfig); err != nil {
			t.Errorf("berth down: %v\n%s", err, out)
		}
	}()
	if err != nil {
		dumpPods(ctx, t, s.cs)
		t.Fatalf("berth apply --wait: %v", err)
	}
	logs, err := exec.CommandContext(ctx, s.kubectl, "--kubeconfig", s.n.Kubeconfig, "-n", "models", "logs", "deployment/llm").CombinedOutput()
	t.Logf("model server log:\n%s", logs)
	if err != nil || !strings.Contains(string(logs), `--docker-repo ai/smollm2 as "ai/smollm2"`) {
		t.Errorf("the model server does not say it serves ai/smollm2 from --docker-repo (%v)", err)
	}
	for _, c := range []struct{ workload, urlVar, modelVar string }{
		{"chat", "LLM_URL", "LLM_MODEL"},
		{"summarizer", "AI_URL", "AI_MODEL"},
	} {
		script := `echo "$` + c.modelVar + `"; echo "$` + c.urlVar + `"; wget -qO- "${` + c.urlVar + `}models"`
		cmd := exec.CommandContext(ctx, s.kubectl, "--kubeconfig", s.n.Kubeconfig, "-n", "models", "exec", "deployment/"+c.workload,
			"-c", c.workload, "--", "sh", "-c", script)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			t.Errorf("%s: GET $%s/models: %v\n%s%s", c.workload, c.urlVar, err, b, stderr.String())
			continue
		}
		lines := strings.SplitN(string(b), "\n", 3)
		if len(lines) < 3 {
			t.Errorf("%s: unexpected output %q", c.workload, b)
			continue
		}
		model, url := lines[0], lines[1]
		var list struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(lines[2]), &list); err != nil {
			t.Errorf("%s: GET %smodels answered %q: %v", c.workload, url, lines[2], err)
			continue
		}
		if model != "ai/smollm2" || len(list.Data) != 1 || list.Data[0].ID != model {
			t.Errorf("%s: %s=%q, %s=%q serves %+v; want the model ai/smollm2 served under that name", c.workload, c.modelVar, model, c.urlVar, url, list.Data)
			continue
		}
		t.Logf("%s: %s=%s answers GET models with %s (%s=%s)", c.workload, c.urlVar, url, list.Data[0].ID, c.modelVar, model)
	}
}
