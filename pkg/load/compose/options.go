// Package compose loads a Docker Compose project into berth's source-neutral model. Compose
// semantics (discovery, .env, interpolation, profiles, extends, include, merging, !reset and
// !override) come from compose-go; this package only maps the loaded project onto model.App
// and attaches source positions found in the YAML node trees of the same files.
//
// # Field paths
//
// model.App.Inputs lists every field the user wrote, after overrides, extends and includes,
// positioned at its last definition (in the file that wrote it). Paths are dotted keys with
// list items as [i]: services.web.image, services.web.ports[0], volumes.data.driver.
// Lists concatenate across files as compose merges them, so an override file's first port is
// services.web.ports[n] after the n ports of the base file. Keyed collections are addressed by
// key in both their map and list forms: services.web.environment.FOO, services.web.labels.KEY,
// services.web.depends_on.db, services.web.networks.front (also sysctls, annotations and
// build.args). A list item, command, entrypoint, healthcheck.test and every x-* extension
// other than x-berth is one field. Values in the model carry the path of the item they came
// from (a port range gives several ports with one path), or of the nearest group when no
// single item wrote them (services.web.env_file for variables from env files).
package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/consts"
)

// Options select the Compose files and environment exactly as docker compose's global flags do.
type Options struct {
	// Files are the -f flags, in order. Empty: COMPOSE_FILE, else the default file names searched
	// from WorkingDir (or the current directory) upward, plus the matching override file.
	Files []string
	// WorkingDir is --project-directory. Empty: the directory of the first Compose file.
	WorkingDir string
	// EnvFiles are the --env-file flags. Empty: the project directory's .env, if any.
	EnvFiles []string
	// Profiles are the --profile flags. Empty: COMPOSE_PROFILES (also read from .env).
	Profiles []string
	// ProjectName is -p. Empty: COMPOSE_PROJECT_NAME, the top-level name, or the directory name.
	ProjectName string
	// Environ is the process environment ("KEY=value"), the way os.Environ returns it. The
	// package never reads the process environment itself.
	Environ []string
}

// projectOptions builds compose-go's options in the order docker compose uses: the process
// environment wins over .env files, .env is read once from the current directory (for
// COMPOSE_FILE) and again from the project directory once the Compose file is known.
func projectOptions(o Options) (*cli.ProjectOptions, error) {
	env := environMap(o.Environ)
	fns := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(o.WorkingDir),
		cli.WithEnv(o.Environ),
	}
	if _, ok := env["PWD"]; !ok {
		if wd, err := os.Getwd(); err == nil {
			fns = append(fns, cli.WithEnv([]string{"PWD=" + wd}))
		}
	}
	fns = append(fns,
		withEnvFiles(env, o.EnvFiles),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		withEnvFiles(env, o.EnvFiles),
		cli.WithDotEnv,
		cli.WithDefaultProfiles(o.Profiles...),
	)
	if o.ProjectName != "" {
		fns = append(fns, cli.WithName(o.ProjectName))
	}
	return cli.NewProjectOptions(o.Files, fns...)
}

// withEnvFiles is cli.WithEnvFiles reading COMPOSE_DISABLE_ENV_FILE from Options.Environ
// instead of the process environment.
func withEnvFiles(env map[string]string, files []string) cli.ProjectOptionsFn {
	return func(po *cli.ProjectOptions) error {
		if len(files) > 0 {
			po.EnvFiles = files
			return nil
		}
		if v, ok := env[consts.ComposeDisableDefaultEnvFile]; ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %w", consts.ComposeDisableDefaultEnvFile, err)
			}
			if b {
				return nil
			}
		}
		wd, err := po.GetWorkingDir()
		if err != nil {
			return err
		}
		dotEnv := filepath.Join(wd, ".env")
		if fi, err := os.Stat(dotEnv); err == nil && !fi.IsDir() {
			po.EnvFiles = []string{dotEnv}
		}
		return nil
	}
}

// environMap turns KEY=value pairs into a map; later pairs win, as in a process environment.
func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if k != "" {
			m[k] = v
		}
	}
	return m
}
