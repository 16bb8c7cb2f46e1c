package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// project writes a Compose app of n services shaped like a real one: public web frontends,
// APIs that call each other and use datastores, stateful datastores with volumes, workers
// (some scheduled) and a migration job, on three networks. The same n gives the same file.
func project(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: sized%d\nservices:\n", n)
	web, dbs := max(1, n/15), max(1, n/6)
	workers, migrate := n/12, n >= 10
	apis := n - web - dbs - workers
	if migrate {
		apis--
	}
	db := func(i int) string { return fmt.Sprintf("db-%d", i%dbs) }
	api := func(i int) string { return fmt.Sprintf("api-%d", i%max(apis, 1)) }
	dep := func(deps map[string]string) {
		b.WriteString("    depends_on:\n")
		for _, k := range sortedKeys(deps) {
			fmt.Fprintf(&b, "      %s:\n        condition: %s\n", k, deps[k])
		}
	}
	health := "    healthcheck:\n      test: [\"CMD\", \"true\"]\n"
	for i := range dbs {
		image := []string{"postgres:16", "redis:7", "mongo:7"}[i%3]
		fmt.Fprintf(&b, "  %s:\n    image: %s\n    networks: [data]\n    volumes: [\"%s-data:/data\"]\n%s", db(i), image, db(i), health)
	}
	if migrate {
		fmt.Fprintf(&b, "  migrate:\n    image: example/migrate:1\n    restart: \"no\"\n    networks: [data]\n")
		dep(map[string]string{db(0): "service_healthy"})
	}
	for i := range apis {
		fmt.Fprintf(&b, "  %s:\n    image: example/%s:1.%d\n    networks: [backend, data]\n    expose: [\"8080\"]\n%s", api(i), api(i), i%5, health)
		deps := map[string]string{db(i): "service_healthy"}
		if i == 0 && migrate {
			deps["migrate"] = "service_completed_successfully"
		} else if i > 0 {
			deps[api((i-1)/3)] = "service_started"
		}
		dep(deps)
	}
	for i := range workers {
		fmt.Fprintf(&b, "  worker-%d:\n    image: example/worker:1\n    networks: [backend, data]\n", i)
		if i%2 == 1 {
			fmt.Fprintf(&b, "    x-berth:\n      schedule: \"%d * * * *\"\n", i)
		}
		dep(map[string]string{db(i + 1): "service_healthy", api(i * 5): "service_started"})
	}
	for i := range web {
		fmt.Fprintf(&b, "  web-%d:\n    image: example/web:2\n    networks: [frontend, backend]\n    ports: [\"%d:80\"]\n", i, 8080+i)
		dep(map[string]string{api(i): "service_healthy", api(i + 7): "service_healthy"})
	}
	b.WriteString("networks:\n  frontend: {}\n  backend: {}\n  data: {}\nvolumes:\n")
	for i := range dbs {
		fmt.Fprintf(&b, "  %s-data: {}\n", db(i))
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestSizedReports opens the reports of a 3- and a 60-service app: every service and edge
// drawn, no overlaps, labels inside their boxes and readable at the opening zoom, Fit shows
// all of it, zoom and pan work.
func TestSizedReports(t *testing.T) {
	ready(t)
	for _, n := range []int{3, 60} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "compose.yaml")
			if err := os.WriteFile(file, []byte(project(n)), 0o644); err != nil {
				t.Fatal(err)
			}
			page := report(t, dir, "-f", file, "--domain", "example.test")
			e := fromData(t, page)
			if len(e.Nodes) != n {
				t.Fatalf("the generated app has %d services, want %d", len(e.Nodes), n)
			}
			e.SelectShows = []string{"Pod Security: ", "CPU req"}
			check(t, dir, page, e)
		})
	}
}
