package main

import (
	"strings"
	"testing"
)

// TestParse: berth's arguments for both model sources parse; a flag llama-server does not
// have, a missing value, a value of the wrong type or two model sources are refused.
func TestParse(t *testing.T) {
	ok := [][]string{
		{"--host", "0.0.0.0", "--port", "8080", "--docker-repo", "ai/smollm2", "--alias", "ai/smollm2", "--ctx-size", "2048", "--threads", "2", "--jinja"},
		{"--host", "0.0.0.0", "--port", "8080", "-hf", "nomic-ai/nomic-embed-text-v1.5-GGUF", "--alias", "hf.co/nomic-ai/nomic-embed-text-v1.5-GGUF", "-ngl", "99", "-fa", "on", "--embeddings"},
		{"-m", "/models/x.gguf", "--port=9000", "-ngl", "all", "-fa"},
	}
	for _, args := range ok {
		c, err := parse(args)
		if err != nil {
			t.Errorf("%q: %v", args, err)
			continue
		}
		if c.source == "" || c.port == "" {
			t.Errorf("%q: parsed %+v", args, c)
		}
	}
	bad := map[string][]string{
		"invalid argument: --model-name": {"-dr", "ai/smollm2", "--model-name", "x"},
		"expected value":                 {"-dr", "ai/smollm2", "--alias"},
		"invalid value":                  {"-dr", "ai/smollm2", "--ctx-size", "big"},
		"exactly one model source":       {"-dr", "ai/smollm2", "-hf", "a/b"},
		"got 0":                          {"--port", "8080"},
	}
	for want, args := range bad {
		if _, err := parse(args); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", args, err, want)
		}
	}
}
