// Command benchgen writes generated Compose projects for scripts/bench-compare.sh:
// benchgen -o DIR N... writes DIR/svcN/compose.yaml (and compose.2.yaml, ... for more than
// benchgen.PerFile services) for each N.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/berth-dev/berth/internal/benchgen"
)

func main() {
	out := flag.String("o", ".", "output directory")
	flag.Parse()
	for _, arg := range flag.Args() {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "benchgen: %q is not a service count\n", arg)
			os.Exit(2)
		}
		dir := filepath.Join(*out, fmt.Sprintf("svc%d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
		for i, data := range benchgen.Files(n) {
			if err := os.WriteFile(filepath.Join(dir, benchgen.FileName(i)), data, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "benchgen:", err)
				os.Exit(1)
			}
		}
	}
}
