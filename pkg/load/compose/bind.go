package compose

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// Limits for bind-mount sources read into the model (they become ConfigMaps, which hold at
// most 1 MiB).
const (
	maxBindBytes = 1 << 20
	maxBindFiles = 64
)

// readBind reads a bind mount's source into mt.Files when it is a small file or flat directory
// inside the project directory, and otherwise says in mt.NotRead why not. Symlinks are
// resolved first: nothing outside the project directory is ever opened.
func (m *mapper) readBind(mt *model.Mount) {
	src := mt.Source
	if filepath.Base(src) == "docker.sock" {
		mt.NotRead = "docker socket"
		return
	}
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		mt.NotRead = "missing: " + m.fs.display(src) + " does not exist"
		mt.Missing = os.IsNotExist(err)
		if !mt.Missing {
			mt.NotRead = "unreadable: " + err.Error()
		}
		return
	}
	if !within(m.projectDir, real) {
		mt.NotRead = "outside the project directory"
		return
	}
	fi, err := os.Lstat(real)
	if err != nil {
		mt.NotRead = "unreadable: " + err.Error()
		return
	}
	switch {
	case fi.Mode().IsRegular():
		if fi.Size() > maxBindBytes {
			mt.NotRead = "larger than 1 MiB"
			return
		}
		data, err := readSmall(real)
		if err != nil {
			mt.NotRead = err.Error()
			return
		}
		mt.Files = []model.File{{Content: data, Mode: uint32(fi.Mode().Perm())}}
	case fi.IsDir():
		mt.IsDir = true
		files, reason := m.readDir(real)
		if reason != "" {
			mt.NotRead = reason
			return
		}
		mt.Files = files
	default:
		mt.NotRead = "device or special file (" + fi.Mode().Type().String() + ")"
	}
}

// readDir reads the regular files of a flat directory inside the project directory.
func (m *mapper) readDir(dir string) ([]model.File, string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, "unreadable: " + err.Error()
	}
	if len(entries) > maxBindFiles {
		return nil, fmt.Sprintf("more than %d files", maxBindFiles)
	}
	var files []model.File
	total := int64(0)
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, "unreadable: " + e.Name() + ": " + err.Error()
		}
		if !within(m.projectDir, real) {
			return nil, e.Name() + " points outside the project directory"
		}
		fi, err := os.Lstat(real)
		if err != nil {
			return nil, "unreadable: " + err.Error()
		}
		if fi.IsDir() {
			return nil, "contains subdirectory " + e.Name() + " (only flat directories are read)"
		}
		if !fi.Mode().IsRegular() {
			return nil, e.Name() + " is a device or special file"
		}
		total += fi.Size()
		if total > maxBindBytes {
			return nil, "larger than 1 MiB"
		}
		data, err := readSmall(real)
		if err != nil {
			return nil, err.Error()
		}
		files = append(files, model.File{Name: e.Name(), Content: data, Mode: uint32(fi.Mode().Perm())})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, ""
}

// readSmall reads at most maxBindBytes from path (the file may grow after the stat).
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBindBytes+1))
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", err)
	}
	if len(data) > maxBindBytes {
		return nil, errors.New("larger than 1 MiB")
	}
	return data, nil
}

// within says whether path is dir or inside it (both symlink-resolved).
func within(dir, path string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
