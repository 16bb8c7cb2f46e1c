// Package benchgen generates Compose projects of any size for benchmarks: a dependency tree of
// bounded depth (service i depends on service (i-1)/Fanout), with the fields real services
// carry (ports, environment with a secret-looking key, healthchecks, resources, named volumes,
// and a one-shot job per hundred services).
package benchgen

import (
	"fmt"
	"strings"
)

// Fanout is the number of dependents per service: depth is log_Fanout(n), 5 for 8000.
const Fanout = 6

// PerFile is the number of services per generated file. compose-go refuses a document of more
// than 100 000 YAML nodes (loader.Options.MaxNodeVisits, docker compose's limit too), about
// 2 000 of these services, so larger projects are split over several -f files, the way
// big projects are written anyway.
const PerFile = 1000

// Files returns the Compose files of a project with n services, in -f order: each holds up to
// PerFile services and their volumes. The same n always gives the same bytes.
func Files(n int) [][]byte {
	var out [][]byte
	for start := 0; start < n; start += PerFile {
		end := min(start+PerFile, n)
		var b strings.Builder
		b.Grow((end - start) * 700)
		if start == 0 {
			b.WriteString("name: bench\n")
		}
		b.WriteString("services:\n")
		for i := start; i < end; i++ {
			service(&b, i)
		}
		b.WriteString("volumes:\n")
		for i := start + (10-start%10)%10; i < end; i += 10 {
			fmt.Fprintf(&b, "  data%d: {}\n", i)
		}
		out = append(out, []byte(b.String()))
	}
	return out
}

// FileName is the name of the i-th generated file: compose.yaml, compose.2.yaml, ...
func FileName(i int) string {
	if i == 0 {
		return "compose.yaml"
	}
	return fmt.Sprintf("compose.%d.yaml", i+1)
}

func service(b *strings.Builder, i int) {
	fmt.Fprintf(b, "  svc%d:\n    image: registry.example.com/app/svc%d:1.%d\n", i, i, i%7)
	if i%100 == 99 {
		// A one-shot job: no ports, restart "no".
		b.WriteString("    restart: \"no\"\n    command: [\"migrate\", \"--once\"]\n")
	} else {
		fmt.Fprintf(b, "    ports:\n      - \"%d:8080\"\n    expose: [\"9090\"]\n", 10000+i%50000)
		b.WriteString("    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://localhost:8080/health\"]\n      interval: 10s\n      retries: 3\n")
	}
	fmt.Fprintf(b, "    environment:\n      SERVICE: svc%d\n      LOG_LEVEL: info\n      REGION: eu-west-1\n      DB_PASSWORD: secret%d\n", i, i)
	b.WriteString("    deploy:\n      resources:\n        limits: {cpus: \"0.5\", memory: 256M}\n")
	if i > 0 {
		parent := (i - 1) / Fanout
		cond := "service_started"
		if parent%100 == 99 {
			cond = "service_completed_successfully"
		}
		fmt.Fprintf(b, "    depends_on:\n      svc%d:\n        condition: %s\n", parent, cond)
	}
	if i%10 == 0 {
		fmt.Fprintf(b, "    volumes:\n      - data%d:/data\n", i)
	}
}
