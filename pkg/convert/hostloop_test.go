package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
)

// TestHostLoopbackDial: a proxy on the host's network reaches a service through the port it
// publishes on 127.0.0.1. berth drops host networking, so it names the address to write.
func TestHostLoopbackDial(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `services:
  caddy:
    image: caddy:2-alpine
    network_mode: host
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile:ro"]
  search:
    image: example/search
    ports: ["127.0.0.1:8081:8080"]
`,
		"Caddyfile": `{$HOSTNAME}
reverse_proxy localhost:8081
`}, convert.Options{})
	w := warnings(res, "publishes on the host")
	if len(w) != 1 || w[0].Service != "caddy" || !strings.Contains(w[0].Message, "localhost:8081") ||
		!strings.Contains(w[0].Message, "change the address to search:8080") {
		t.Errorf("want one warning on caddy naming localhost:8081 and search:8080, got %v", w)
	}
}
