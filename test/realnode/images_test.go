package realnode_test

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/cluster/realnode"
	"github.com/berth-dev/berth/test/deps"
)

// shopImages builds every image examples/shop/compose.yaml names (and the images berth's
// converted start-up waits use), keyed by the reference the manifests say:
//   - the shop's own programs (examples/shop/src) as static Go binaries;
//   - postgres, mariadb, redis and nginx from Debian's binaries plus the shared libraries they
//     load on this machine (PostgreSQL 15, MariaDB 10.11 and nginx 1.22 are what Debian 12 has;
//     the tags say what the Compose files ask for);
//   - busybox: Debian's busybox-static, except nc, which is netcat-openbsd's (Debian's busybox
//     nc has no -z, which the converted waits use), and sh, which is dash (busybox sh would
//     run its own nc);
//   - kubectl: the test control plane's own kubectl build.
func shopImages(ctx context.Context, root string) (map[string]v1.Image, error) {
	if err := deps.Check(deps.Dpkg{}, deps.Images); err != nil {
		return nil, err
	}
	type build struct {
		ref string
		fn  func() (v1.Image, error)
	}
	src := filepath.Join(root, "examples", "shop", "src")
	builds := []build{
		{"berth-example/api:1.0", func() (v1.Image, error) { return goImage(ctx, src, "api", "8080/tcp") }},
		{"berth-example/worker:1.0", func() (v1.Image, error) { return goImage(ctx, src, "worker", "") }},
		{"berth-example/migrate:1.0", func() (v1.Image, error) { return goImage(ctx, src, "migrate", "") }},
		{"postgres:16-alpine", func() (v1.Image, error) { return postgresImage(ctx) }},
		{"mariadb:11", func() (v1.Image, error) { return mariadbImage(ctx) }},
		{"redis:7-alpine", redisImage},
		{"nginx:1.27-alpine", nginxImage},
		{convert.DefaultWaitImage, busyboxImage},
		{convert.DefaultJobWaitImage, kubectlImage},
	}
	out := map[string]v1.Image{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(builds))
	for i, b := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			img, err := b.fn()
			if err != nil {
				errs[i] = fmt.Errorf("image %s: %w", b.ref, err)
				return
			}
			mu.Lock()
			out[b.ref] = img
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// goImage builds one of the shop's programs (its own Go module) into /<name>.
func goImage(ctx context.Context, src, name, port string) (v1.Image, error) {
	var cfg realnode.ImageConfig
	if port != "" {
		cfg.ExposedPorts = []string{port}
	}
	return realnode.GoImage(ctx, src, "./"+name, name, cfg)
}

func postgresImage(ctx context.Context) (v1.Image, error) {
	entry, err := realnode.GoBinary(ctx, "github.com/berth-dev/berth/test/realnode/cmd/pg-entrypoint")
	if err != nil {
		return nil, err
	}
	const pg = "/usr/lib/postgresql/15"
	paths := []string{pg + "/bin/postgres", pg + "/bin/initdb", pg + "/bin/pg_isready", "/usr/share/postgresql/15",
		"/usr/share/zoneinfo", "/bin/sh", pg + "/bin/pg_dump", pg + "/bin/pg_restore", pg + "/bin/psql"}
	libs, err := filepath.Glob(pg + "/lib/*.so")
	if err != nil {
		return nil, err
	}
	for _, l := range libs {
		if !strings.HasPrefix(filepath.Base(l), "llvmjit") { // JIT is off: no LLVM in the image
			paths = append(paths, l)
		}
	}
	files, err := realnode.HostFiles(paths...)
	if err != nil {
		return nil, err
	}
	files = append(files,
		realnode.File{Path: "/usr/local/bin/docker-entrypoint", Mode: 0o755, Data: entry},
		realnode.File{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\npostgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh\n")},
		realnode.File{Path: "/etc/group", Data: []byte("root:x:0:\npostgres:x:999:\n")},
		realnode.File{Path: "/var/run/postgresql", Dir: true, Mode: 0o2775},
	)
	files = append(files, shellTools()...)
	return realnode.Image(files, realnode.ImageConfig{
		Entrypoint:   []string{"/usr/local/bin/docker-entrypoint"},
		Env:          []string{"PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "PGDATA=/var/lib/postgresql/data", "TZ=UTC"},
		ExposedPorts: []string{"5432/tcp"},
		// as the official image: SIGTERM would be a "smart" shutdown that waits for every
		// client (api's pool) to disconnect, until the grace period ends in SIGKILL
		StopSignal: "SIGINT",
	})
}

// mariadbImage runs Debian's MariaDB (10.11; the tag says what testdata/data asks for) with
// only the programs' mariadb-* names, as the official images have since 11.0 (no mysql,
// mysqldump): berth data's commands must find them by those names.
func mariadbImage(ctx context.Context) (v1.Image, error) {
	entry, err := realnode.GoBinary(ctx, "github.com/berth-dev/berth/test/realnode/cmd/mariadb-entrypoint")
	if err != nil {
		return nil, err
	}
	const share = "/usr/share/mysql"
	files, err := realnode.HostFiles("/usr/sbin/mariadbd", "/usr/bin/mariadb", "/usr/bin/mariadb-dump", "/usr/bin/mariadb-admin", "/bin/sh",
		share+"/english", share+"/charsets", share+"/mysql_system_tables.sql", share+"/mysql_performance_tables.sql", share+"/mysql_system_tables_data.sql")
	if err != nil {
		return nil, err
	}
	files = append(files,
		realnode.File{Path: "/usr/local/bin/docker-entrypoint", Mode: 0o755, Data: entry},
		realnode.File{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\nmysql:x:999:999:MariaDB:/var/lib/mysql:/bin/false\n")},
		realnode.File{Path: "/etc/group", Data: []byte("root:x:0:\nmysql:x:999:\n")},
	)
	files = append(files, shellTools()...)
	return realnode.Image(files, realnode.ImageConfig{
		Entrypoint:   []string{"/usr/local/bin/docker-entrypoint"},
		Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TZ=UTC"},
		ExposedPorts: []string{"3306/tcp"},
	})
}

// redisImage runs Debian's redis-server with protected mode off, as the official image does
// (it is built that way): the Compose command gives only redis-server's own flags.
func redisImage() (v1.Image, error) {
	files, err := realnode.HostFiles("/usr/bin/redis-server", "/usr/bin/redis-cli", "/bin/sh")
	if err != nil {
		return nil, err
	}
	files = append(files, realnode.File{Path: "/data", Dir: true, Mode: 0o777})
	files = append(files, shellTools()...)
	return realnode.Image(files, realnode.ImageConfig{
		Entrypoint:   []string{"/bin/sh", "-c", `exec "$@" --protected-mode no`, "docker-entrypoint"},
		Cmd:          []string{"redis-server"},
		WorkingDir:   "/data",
		ExposedPorts: []string{"6379/tcp"},
	})
}

// shellTools are the few programs the official Postgres and Redis images have (coreutils,
// grep) that berth data's restore scripts use, from Debian's busybox-static.
func shellTools() []realnode.File {
	files := []realnode.File{}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil // deps.Check has already named the missing package
	}
	files = append(files, realnode.File{Path: "/usr/local/bin/busybox", Mode: 0o755, Data: bb})
	for _, a := range []string{"cat", "mktemp", "sleep", "tr", "grep", "rm", "wc", "find", "sha256sum"} {
		files = append(files, realnode.File{Path: "/usr/local/bin/" + a, Link: "busybox"})
	}
	return files
}

// nginxConf is the image's main configuration, like the official image's: conf.d/*.conf
// holds the sites (the example mounts its default.conf there).
const nginxConf = `user nginx;
worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr notice;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    include /etc/nginx/conf.d/*.conf;
}
`

func nginxImage() (v1.Image, error) {
	files, err := realnode.HostFiles("/usr/sbin/nginx", "/etc/nginx/mime.types", "/bin/busybox")
	if err != nil {
		return nil, err
	}
	files = append(files,
		realnode.File{Path: "/etc/nginx/nginx.conf", Data: []byte(nginxConf)},
		realnode.File{Path: "/etc/nginx/conf.d", Dir: true},
		realnode.File{Path: "/var/lib/nginx", Dir: true},
		realnode.File{Path: "/var/log/nginx", Dir: true},
		realnode.File{Path: "/usr/share/nginx/html/index.html", Data: []byte("<h1>shop</h1>\n")},
		realnode.File{Path: "/bin/wget", Link: "busybox"}, // the Compose healthcheck's wget
		realnode.File{Path: "/bin/sh", Link: "busybox"},
		realnode.File{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/nonexistent:/bin/false\n")},
		realnode.File{Path: "/etc/group", Data: []byte("root:x:0:\nnginx:x:101:\n")},
	)
	return realnode.Image(files, realnode.ImageConfig{
		Cmd:          []string{"nginx", "-g", "daemon off;"},
		ExposedPorts: []string{"80/tcp"},
	})
}

func busyboxImage() (v1.Image, error) {
	files, err := realnode.HostFiles("/bin/busybox", "/bin/nc.openbsd", "/bin/dash")
	if err != nil {
		return nil, err
	}
	out, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return nil, err
	}
	for _, a := range strings.Fields(string(out)) {
		switch a {
		case "busybox":
		case "nc":
			files = append(files, realnode.File{Path: "/bin/nc", Link: "nc.openbsd"})
		case "sh":
			// Debian's static busybox sh runs its own applets before PATH: it would run
			// busybox nc even with /bin/nc replaced. dash runs /bin/nc.
			files = append(files, realnode.File{Path: "/bin/sh", Link: "dash"})
		default:
			files = append(files, realnode.File{Path: "/bin/" + a, Link: "busybox"})
		}
	}
	return realnode.Image(files, realnode.ImageConfig{Cmd: []string{"sh"}})
}

func kubectlImage() (v1.Image, error) {
	bin, err := cluster.Binaries()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(bin.Kubectl)
	if err != nil {
		return nil, err
	}
	return realnode.Image([]realnode.File{{Path: "/bin/kubectl", Mode: 0o755, Data: b}},
		realnode.ImageConfig{Entrypoint: []string{"kubectl"}})
}

// goToolchain is goToolchainImage, made once per test binary (its layer is about 150 MB).
var goToolchain = sync.OnceValues(goToolchainImage)

// goToolchainImage stands in for golang:<version>-alpine where there is no Docker Hub: this
// host's Go toolchain at /usr/local/go (its GOROOT without tests, testdata and the sources of
// the toolchain's own commands, which building a program never reads) with go on PATH and
// GOTOOLCHAIN=local, over busyboxImage's files (a shell for RUN). The GOROOT layer is stored
// uncompressed: pushing it to the node's registry then costs no gzip pass over 150 MB.
func goToolchainImage() (v1.Image, error) {
	out, err := exec.Command("go", "env", "GOROOT", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return nil, fmt.Errorf("go env GOROOT GOVERSION: %q", out)
	}
	layer, err := gorootLayer(f[0])
	if err != nil {
		return nil, err
	}
	base, err := busyboxImage()
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config.Env = []string{"PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"GOLANG_VERSION=" + strings.TrimPrefix(f[1], "go"), "GOTOOLCHAIN=local", "GOPATH=/go"}
	return mutate.ConfigFile(img, cf)
}

// gorootLayer is an uncompressed layer holding goroot at /usr/local/go (files, links and
// modes kept, times zeroed), without what `go build` of a program never reads.
func gorootLayer(goroot string) (v1.Layer, error) {
	skip := func(rel string, d fs.DirEntry) bool {
		switch {
		case rel == "test", rel == "doc", rel == "api", rel == "misc", rel == "lib", rel == "src/cmd":
			return true
		case d.IsDir() && d.Name() == "testdata":
			return true
		}
		return !d.IsDir() && strings.HasSuffix(d.Name(), "_test.go")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0).UTC()
	err := filepath.WalkDir(goroot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(goroot, p)
		if err != nil {
			return err
		}
		if rel != "." && skip(filepath.ToSlash(rel), d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name = path.Join("usr/local/go", filepath.ToSlash(rel))
		if d.IsDir() {
			h.Name += "/"
		}
		h.ModTime, h.Uid, h.Gid, h.Uname, h.Gname = epoch, 0, 0, "", ""
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("the Go toolchain layer: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return static.NewLayer(buf.Bytes(), types.DockerUncompressedLayer), nil
}
