package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
)

// TestBindDirectoryTheAppWritesInto: Authelia binds ./authelia (its configuration) at /config
// and its configuration puts the SQLite database there. Mounted read-only from a ConfigMap or
// Secret the program cannot create it: the warning says which file names which path, and is
// marked as breaking. A directory whose files name only each other, or that is mounted :ro, is
// the ordinary read-only case.
func TestBindDirectoryTheAppWritesInto(t *testing.T) {
	res := convertFiles(t, map[string]string{
		"compose.yaml": `services:
  auth:
    image: authelia/authelia:4.39
    volumes: ["./authelia:/config"]
  proxy:
    image: nginx:1.27.3
    volumes: ["./nginx:/etc/nginx/conf.d"]
  ro:
    image: authelia/authelia:4.39
    volumes: ["./authelia:/config:ro"]
`,
		"authelia/configuration.yml":  "storage:\n  local:\n    path: '/config/db.sqlite3'\nauthentication_backend:\n  file:\n    path: /config/users_database.yml\n",
		"authelia/users_database.yml": "users: {}\n",
		"nginx/default.conf":          "include /etc/nginx/conf.d/extra.conf;\nserver { listen 80; }\n",
		"nginx/extra.conf":            "gzip on;\n",
	}, convert.Options{})
	w := warnings(res, "which the program creates")
	if len(w) != 1 || w[0].Service != "auth" || !w[0].Breaks ||
		!strings.Contains(w[0].Message, "configuration.yml names /config/db.sqlite3 inside it") {
		t.Errorf("want one breaking warning on auth naming configuration.yml and /config/db.sqlite3, got %v", w)
	}
}
