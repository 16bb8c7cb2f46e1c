package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
)

// TestNginxVariablePass: nginx proxies through variables set to the backends' URLs (resolved
// per request by Docker's DNS server). berth reads the set values as the addresses dialed, so
// the backends get Services on those ports and stay long-running, and it warns that
// 127.0.0.11 answers in no pod.
func TestNginxVariablePass(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `services:
  nginx:
    image: nginx
    ports: ["80:80"]
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf"]
  admin:
    image: example/admin
    restart: on-failure
  web:
    image: example/web
    restart: on-failure
`,
		"nginx.conf": `events {}
http {
    # docker dns resolver
    resolver 127.0.0.11 valid=10s;
    server {
        listen 80;
        set $admin_backend "http://admin:3000";
        set $web_backend http://web;
        location /admin { proxy_pass $admin_backend; }
        location / { proxy_pass $web_backend$request_uri; }
    }
}
`}, convert.Options{})
	got := servicePorts(res)
	for name, want := range map[string][]int32{"admin": {3000}, "web": {80}} {
		if diff := cmp.Diff(want, got[name]); diff != "" {
			t.Errorf("Service %s ports (-want +got):\n%s", name, diff)
		}
	}
	deployments := map[string]bool{}
	for _, o := range res.Objects {
		if d, ok := o.(*appsv1.Deployment); ok {
			deployments[d.Name] = true
		}
	}
	if !deployments["admin"] || !deployments["web"] {
		t.Errorf("admin and web listen (nginx proxies to them): want Deployments, got %v", deployments)
	}
	w := warnings(res, "127.0.0.11")
	if len(w) != 1 || w[0].Service != "nginx" || !strings.Contains(w[0].Message, "/etc/nginx/nginx.conf line 4") {
		t.Errorf("want one warning on nginx naming /etc/nginx/nginx.conf line 4, got %v", w)
	}
}

// TestDockerDNSInEnvAndCommand: images that write their nginx configuration at start take
// Docker's DNS server from a variable (Budibase's proxy: RESOLVER=127.0.0.11) or carry the
// configuration in the entrypoint (Loki's getting-started gateway: a heredoc with `resolver
// 127.0.0.11;`). Both break in the cluster as a mounted file does, and are warned about as
// breaking, naming the variable, never its value; 127.0.0.110 is another address.
func TestDockerDNSInEnvAndCommand(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `services:
  proxy:
    image: example/proxy
    ports: ["80:10000"]
    environment:
      - RESOLVER=127.0.0.11
      - UPSTREAM=http://app:4002
      - ALLOWED=127.0.0.110
  gateway:
    image: nginx
    entrypoint:
      - sh
      - -euc
      - |
        printf 'events {}\nhttp { resolver 127.0.0.11; server { listen 3100; } }\n' > /etc/nginx/nginx.conf
        exec nginx -g 'daemon off;'
  app:
    image: example/app
    expose: ["4002"]
    command: ["--dns-server", "127.0.0.110"]
`}, convert.Options{})
	w := warnings(res, "127.0.0.11,")
	got := map[string]string{}
	for _, d := range w {
		if !d.Breaks {
			t.Errorf("%s: %q is not marked as breaking the app", d.Field, d.Message)
		}
		got[d.Service] = d.Field
	}
	want := map[string]string{"proxy": "services.proxy.environment.RESOLVER", "gateway": "services.gateway.entrypoint"}
	if diff := cmp.Diff(want, got); diff != "" || len(w) != 2 {
		t.Errorf("127.0.0.11 warnings by service (-want +got):\n%s\n%v", diff, w)
	}
	for _, d := range w {
		if d.Service == "proxy" && !strings.Contains(d.Message, "environment variable RESOLVER names 127.0.0.11") {
			t.Errorf("proxy: %q does not name the variable", d.Message)
		}
	}
}
