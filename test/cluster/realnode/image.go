package realnode

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// PauseImageRef is the sandbox image containerd runs for every pod; Start serves PauseImage
// under it.
const PauseImageRef = "registry.k8s.io/pause:3.10"

// File is one entry of an image layer.
type File struct {
	Path string // absolute path in the image
	Mode int64  // permission bits (default 0644, or 0755 for Link == "")
	Data []byte
	Link string // when set, the entry is a symbolic link to Link
	Dir  bool   // when set, the entry is a directory
}

// ImageConfig is the part of an OCI image configuration the tests set.
type ImageConfig struct {
	Entrypoint   []string
	Cmd          []string
	Env          []string // added to PATH=...
	WorkingDir   string
	User         string
	ExposedPorts []string // "8080/tcp"
	StopSignal   string   // e.g. "SIGINT" (containerd sends it to stop the container)
}

// Image builds a single-layer linux image from files, reproducibly (sorted entries, zero
// timestamps). Every image also gets /tmp (1777), /etc/passwd and /etc/group unless files
// provide them.
func Image(files []File, cfg ImageConfig) (v1.Image, error) {
	epoch := time.Unix(0, 0).UTC()
	entries := map[string]*tar.Header{}
	data := map[string][]byte{}
	var addDir func(p string, mode int64)
	addDir = func(p string, mode int64) {
		p = path.Clean(p)
		if p == "/" || p == "." {
			return
		}
		addDir(path.Dir(p), 0o755)
		name := strings.TrimPrefix(p, "/") + "/"
		if _, ok := entries[name]; !ok {
			entries[name] = &tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: epoch}
		}
	}
	add := func(f File) {
		p := path.Clean(f.Path)
		if f.Dir {
			mode := f.Mode
			if mode == 0 {
				mode = 0o755
			}
			addDir(p, mode)
			entries[strings.TrimPrefix(p, "/")+"/"].Mode = mode
			return
		}
		addDir(path.Dir(p), 0o755)
		name := strings.TrimPrefix(p, "/")
		if f.Link != "" {
			entries[name] = &tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: f.Link, Mode: 0o777, ModTime: epoch}
			return
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		entries[name] = &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(f.Data)), ModTime: epoch}
		data[name] = f.Data
	}
	add(File{Path: "/tmp", Dir: true, Mode: 0o1777})
	add(File{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")})
	add(File{Path: "/etc/group", Data: []byte("root:x:0:\nnogroup:x:65534:\n")})
	for _, f := range files {
		add(f)
	}
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(entries[n]); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerBytes)), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = runtime.GOARCH, "linux"
	cf.Created = v1.Time{Time: epoch}
	cf.Config.Entrypoint, cf.Config.Cmd = cfg.Entrypoint, cfg.Cmd
	cf.Config.WorkingDir, cf.Config.User = cfg.WorkingDir, cfg.User
	cf.Config.StopSignal = cfg.StopSignal
	cf.Config.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, cfg.Env...)
	if len(cfg.ExposedPorts) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range cfg.ExposedPorts {
			cf.Config.ExposedPorts[p] = struct{}{}
		}
	}
	return mutate.ConfigFile(img, cf)
}

// GoBinary builds the main package pkg (an import path or a directory) into a static linux
// binary and returns it. The Go build cache makes repeated builds cheap.
func GoBinary(ctx context.Context, pkg string) ([]byte, error) { return goBuild(ctx, "", pkg) }

// goBuild is GoBinary in the module of directory dir ("": the current one).
func goBuild(ctx context.Context, dir, pkg string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "berth-gobin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "bin")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = dir
	// GOWORK=off: a module of its own (examples/shop) builds as its go.mod says
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return os.ReadFile(out)
}

// GoImage is an image whose entrypoint is /name, the main package pkg built by go build in
// the module of directory dir ("": the current one); cfg gives the rest of its configuration.
func GoImage(ctx context.Context, dir, pkg, name string, cfg ImageConfig) (v1.Image, error) {
	bin, err := goBuild(ctx, dir, pkg)
	if err != nil {
		return nil, err
	}
	cfg.Entrypoint = []string{"/" + name}
	return Image([]File{{Path: "/" + name, Mode: 0o755, Data: bin}}, cfg)
}

// PauseImage builds the sandbox image: a static program that sleeps and reaps children.
func PauseImage() (v1.Image, error) {
	return GoImage(context.Background(), "", "github.com/berth-dev/berth/test/cluster/realnode/pause", "pause", ImageConfig{})
}

// HostFiles copies host files into image entries at the same paths, together with the
// shared libraries they need (as ldd resolves them on this machine, with the dynamic loader).
// Symbolic links are kept as links, and their targets are copied too.
func HostFiles(paths ...string) ([]File, error) {
	seen := map[string]bool{}
	var files []File
	var addPath func(p string) error
	addPath = func(p string) error {
		if seen[p] {
			return nil
		}
		seen[p] = true
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			files = append(files, File{Path: p, Link: target})
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(p), target)
			}
			return addPath(target)
		case fi.IsDir():
			files = append(files, File{Path: p, Dir: true, Mode: int64(fi.Mode().Perm())})
			entries, err := os.ReadDir(p)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := addPath(filepath.Join(p, e.Name())); err != nil {
					return err
				}
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Path: p, Mode: int64(fi.Mode().Perm()), Data: b})
		if fi.Mode()&0o111 != 0 || strings.Contains(filepath.Base(p), ".so") {
			libs, err := sharedLibs(p)
			if err != nil {
				return err
			}
			for _, l := range libs {
				if err := addPath(l); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, p := range paths {
		if err := addPath(p); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// sharedLibs returns the absolute paths ldd prints for an ELF file (none for static files,
// scripts and other data).
func sharedLibs(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	f.Close()
	if err != nil || string(magic) != "\x7fELF" {
		return nil, nil
	}
	out, err := exec.Command("ldd", p).Output()
	if err != nil {
		// "not a dynamic executable" exits 1
		return nil, nil
	}
	var libs []string
	for _, line := range strings.Split(string(out), "\n") {
		for _, field := range strings.Fields(line) {
			if strings.HasPrefix(field, "/") {
				libs = append(libs, field)
			}
		}
		if strings.Contains(line, "not found") {
			return nil, fmt.Errorf("%s: %s", p, strings.TrimSpace(line))
		}
	}
	return libs, nil
}
