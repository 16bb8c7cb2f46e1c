// Command llama-server stands in for llama.cpp's OpenAI-compatible server
// (ghcr.io/ggml-org/llama.cpp:server, ENTRYPOINT /app/llama-server) on the real node, which
// cannot pull the real image or download a model. It is strict where berth could be wrong:
//   - it parses its arguments against llama.cpp's own flag names (tools/server/README.md of
//     ggml-org/llama.cpp: common, sampling and server-specific parameters, with whether each
//     takes a value) and exits 1 on any other flag, a missing value or a value of the wrong
//     type, as llama-server does; a flag berth invented fails the test;
//   - it needs exactly one model source (-m, -mu, -dr or -hf) and listens where --host and
//     --port say (llama-server's defaults otherwise: LLAMA_ARG_HOST, 127.0.0.1, port 8080);
//   - it "loads" the model for a moment (GET /health answers 503 {"error":...} meanwhile, as
//     llama-server does while loading), writing a marker file into LLAMA_CACHE (the claim berth
//     mounts for the weights), then answers GET /health with 200 {"status":"ok"} and
//     GET /v1/models with the model under its first --alias (else the model source's name).
//
// It runs no model: completions are not served.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// kind is what a flag's value must be.
type kind int

const (
	boolean kind = iota // no value
	str
	integer
	number
	layers // an integer, auto or all (-ngl)
	onOff  // optional on|off|auto (-fa, --fit, --reasoning: llama.cpp takes the next word only when it is one of these)
)

// flags are llama-server's flags (every name of each), from its README's tables; kept to the
// ones a Compose runtime_flags list plausibly holds, plus every flag berth emits.
var flags = func() map[string]kind {
	m := map[string]kind{}
	add := func(k kind, names ...string) {
		for _, n := range names {
			m[n] = k
		}
	}
	// common
	add(integer, "-t", "--threads", "-tb", "--threads-batch", "-c", "--ctx-size", "-n", "--predict", "--n-predict",
		"-b", "--batch-size", "-ub", "--ubatch-size", "--keep", "-mg", "--main-gpu", "-ncmoe", "--n-cpu-moe", "-lv", "--verbosity", "--log-verbosity")
	add(layers, "-ngl", "--gpu-layers", "--n-gpu-layers")
	add(onOff, "-fa", "--flash-attn", "-fit", "--fit", "--log-colors")
	add(str, "-m", "--model", "-mu", "--model-url", "-dr", "--docker-repo", "-hf", "-hfr", "--hf-repo", "-hff", "--hf-file",
		"-hft", "--hf-token", "-ctk", "--cache-type-k", "-ctv", "--cache-type-v", "-sm", "--split-mode", "-ts", "--tensor-split",
		"-dev", "--device", "--lora", "--log-file", "--rope-scaling", "--numa", "-ot", "--override-tensor")
	add(number, "--rope-scale", "--rope-freq-base", "--rope-freq-scale")
	add(boolean, "--swa-full", "--perf", "--no-perf", "-kvo", "--kv-offload", "-nkvo", "--no-kv-offload",
		"-cmoe", "--cpu-moe", "--check-tensors", "--log-disable", "-v", "--verbose", "--log-verbose", "--offline",
		"--log-prefix", "--no-log-prefix", "--log-timestamps", "--no-log-timestamps")
	// sampling
	add(number, "--temp", "--temperature", "--top-p", "--min-p", "--typical", "--typical-p", "--repeat-penalty",
		"--presence-penalty", "--frequency-penalty")
	add(integer, "-s", "--seed", "--top-k", "--repeat-last-n")
	// server-specific
	add(str, "--host", "-a", "--alias", "--tags", "--path", "--api-prefix", "--api-key", "--api-key-file", "--chat-template",
		"--chat-template-file", "--reasoning-format", "--pooling", "--slot-save-path", "-mm", "--mmproj", "--ssl-key-file", "--ssl-cert-file")
	add(integer, "--port", "-np", "--parallel", "-to", "--timeout", "--threads-http", "--cache-reuse", "-cram", "--cache-ram",
		"--reasoning-budget", "--sse-ping-interval")
	add(onOff, "-rea", "--reasoning")
	add(boolean, "--jinja", "--no-jinja", "--metrics", "--props", "--slots", "--no-slots", "--embedding", "--embeddings",
		"--rerank", "--reranking", "-cb", "--cont-batching", "-nocb", "--no-cont-batching", "--no-webui", "--webui", "--ui", "--no-ui",
		"--context-shift", "--no-context-shift", "--warmup", "--no-warmup", "--cache-prompt", "--no-cache-prompt",
		"-kvu", "--kv-unified", "-no-kvu", "--no-kv-unified", "--no-mmproj", "--reuse-port", "-sp", "--special")
	return m
}()

type config struct {
	host, port, source, sourceFlag string
	aliases                        []string
}

func parse(args []string) (config, error) {
	c := config{host: os.Getenv("LLAMA_ARG_HOST"), port: "8080"}
	if c.host == "" {
		c.host = "127.0.0.1"
	}
	sources := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, inline := strings.Cut(a, "=")
		k, ok := flags[name]
		if !ok {
			return c, fmt.Errorf("invalid argument: %s", a)
		}
		if k == boolean {
			if inline {
				return c, fmt.Errorf("%s takes no value", name)
			}
			continue
		}
		if k == onOff {
			if !inline && i+1 < len(args) && (args[i+1] == "on" || args[i+1] == "off" || args[i+1] == "auto") {
				i++
			}
			continue
		}
		if !inline {
			if i+1 >= len(args) {
				return c, fmt.Errorf("expected value for argument %s", name)
			}
			i++
			val = args[i]
		}
		if err := check(k, name, val); err != nil {
			return c, err
		}
		switch name {
		case "--host":
			c.host = val
		case "--port":
			c.port = val
		case "-a", "--alias":
			c.aliases = append(c.aliases, strings.Split(val, ",")...)
		case "-m", "--model", "-mu", "--model-url", "-dr", "--docker-repo", "-hf", "-hfr", "--hf-repo":
			sources++
			c.source, c.sourceFlag = val, name
		}
	}
	if sources != 1 {
		return c, fmt.Errorf("want exactly one model source (-m, -mu, -dr or -hf), got %d", sources)
	}
	return c, nil
}

func check(k kind, name, val string) error {
	var err error
	switch k {
	case integer:
		_, err = strconv.Atoi(val)
	case number:
		_, err = strconv.ParseFloat(val, 64)
	case layers:
		if val != "auto" && val != "all" {
			_, err = strconv.Atoi(val)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: invalid value %q", name, val)
	}
	return nil
}

func main() {
	c, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	id := c.source
	if len(c.aliases) > 0 {
		id = c.aliases[0]
	}
	l, err := net.Listen("tcp", net.JoinHostPort(c.host, c.port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	var loaded atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		if !loaded.Load() {
			reply(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]any{"code": 503, "message": "Loading model", "type": "unavailable_error"}})
			return
		}
		reply(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, map[string]any{"object": "list", "data": []any{
			map[string]any{"id": id, "object": "model", "owned_by": "llamacpp", "created": time.Now().Unix(),
				"meta": map[string]any{"standin": true, "source": c.sourceFlag + " " + c.source}},
		}})
	})
	go func() { _ = http.Serve(l, mux) }()
	fmt.Printf("llama-server stand-in: %s %s as %q on %s\n", c.sourceFlag, c.source, id, l.Addr())
	go func() {
		time.Sleep(2 * time.Second) // "loading"
		if dir := os.Getenv("LLAMA_CACHE"); dir != "" {
			marker := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(c.source)+".standin")
			if err := os.WriteFile(marker, []byte(c.source+"\n"), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "error: cache %s: %v\n", dir, err)
				os.Exit(1)
			}
		}
		loaded.Store(true)
		fmt.Println("model loaded")
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
