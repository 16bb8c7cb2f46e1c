package convert

import (
	"path"
	"slices"
	"strings"

	"github.com/berth-dev/berth/pkg/convert/connaddr"
	"github.com/berth-dev/berth/pkg/model"
)

// oneshot.go: Compose's default restart policy is "no": a service whose command migrates,
// seeds or sets something up simply exits and stays exited. As a Deployment it would be
// restarted forever. berth recognizes such commands by what runs last (`manage.py migrate`,
// `npm run seed`, `/scripts/init.sh`, `mc mb ...; exit 0`), not by what runs first: `migrate &&
// runserver` is a server.

// oneShotWords are command words (or parts of them, split at : - _ . and without a script
// extension) that name a task that runs to completion.
var oneShotWords = map[string]bool{
	"migrate": true, "migration": true, "migrations": true, "seed": true, "seeds": true, "seeder": true,
	"setup": true, "init": true, "initdb": true, "bootstrap": true, "provision": true, "createbuckets": true,
}

// shellScript returns the commands of argv when it runs an inline shell script (`sh -c
// "..."`, also bash, ash and dash).
func shellScript(argv []string) ([][]string, bool) {
	if len(argv) < 3 || !slices.Contains([]string{"sh", "bash", "ash", "dash"}, path.Base(argv[0])) ||
		!strings.HasPrefix(argv[1], "-") || !strings.Contains(argv[1], "c") {
		return nil, false
	}
	return connaddr.ShellCommands(strings.Join(argv[2:], " ")), true
}

// oneShotCommand reports whether c's entrypoint and command run a task to completion, with the
// word that says so.
func oneShotCommand(c *model.Container) (string, bool) {
	argv := append(append([]string(nil), c.Command...), c.Args...)
	if len(argv) == 0 {
		return "", false
	}
	last := argv
	if cmds, ok := shellScript(argv); ok {
		if len(cmds) == 0 {
			return "", false
		}
		last = cmds[len(cmds)-1]
	} else if len(argv) == 1 {
		if cmds := connaddr.ShellCommands(argv[0]); len(cmds) > 0 {
			last = cmds[len(cmds)-1] // a string command (Compose splits it, ECS may not)
		}
	}
	if len(last) == 2 && last[0] == "exit" && last[1] == "0" {
		return "exit 0", true
	}
	if len(last) > 0 && (path.Base(last[0]) == "true" || last[0] == ":" || path.Base(last[0]) == "echo") {
		return last[0], true // a command that only exits (a data-only container: `command: /bin/true`)
	}
	for _, w := range last {
		if strings.HasPrefix(w, "-") {
			continue
		}
		stem := path.Base(w)
		for _, ext := range []string{".sh", ".py", ".js", ".ts", ".rb", ".php"} {
			stem = strings.TrimSuffix(stem, ext)
		}
		for _, part := range strings.FieldsFunc(strings.ToLower(stem), func(r rune) bool { return strings.ContainsRune(":-_.", r) }) {
			if oneShotWords[part] {
				return w, true
			}
		}
	}
	return "", false
}
