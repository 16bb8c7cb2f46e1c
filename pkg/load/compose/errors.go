package compose

import (
	"errors"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/compose-spec/compose-go/v2/cli"
)

func optionsError(err error) error {
	return diag.Errorf(diag.Pos{}, "", "", "compose options: %w", err)
}

func noComposeFile(po *cli.ProjectOptions) error {
	dir, _ := po.GetWorkingDir()
	return diag.Errorf(diag.Pos{File: dir}, "", "", "no compose file found here or in any parent directory (looked for %s); use -f", strings.Join(cli.DefaultFileNames, ", "))
}

// explain turns a compose-go load error into one positioned diagnostic.
func explain(err error, fs *fileSet, files []string, lookup func(string) (string, bool)) error {
	var de *diag.Err
	if errors.As(err, &de) {
		return err
	}
	return diag.Errorf(diag.Pos{}, "", "", "%w", err)
}
