// Command composeload only loads a Compose project with compose-go (the options docker compose
// uses: .env, COMPOSE_* variables, default files, profiles, schema validation) and prints the
// service count. scripts/bench-compare.sh uses it as the baseline berth is measured against.
//
//	composeload [-f FILE]...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var fs files
	flag.Var(&fs, "f", "Compose file (repeatable)")
	flag.Parse()
	po, err := cli.NewProjectOptions(fs,
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithDefaultProfiles(),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "composeload:", err)
		os.Exit(1)
	}
	p, err := po.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "composeload:", err)
		os.Exit(1)
	}
	fmt.Println(len(p.Services), "services")
}
