package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/data"
)

// toolsets are the target sides the pipeline is run with on this machine: the system's
// (GNU tar, coreutils, findutils) and, where installed, busybox's applets, as in the helper
// pod's image.
func toolsets(t *testing.T) map[string]string {
	sets := map[string]string{"system": ""}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return sets
	}
	bin := t.TempDir()
	for _, a := range []string{"sh", "tar", "find", "stat", "sha256sum", "readlink", "wc", "mkdir", "rm", "sleep", "nproc", "cat"} {
		if err := os.Symlink(bb, filepath.Join(bin, a)); err != nil {
			t.Fatal(err)
		}
	}
	sets["busybox"] = bin
	return sets
}

// localRun runs the pipeline's commands on this machine, with only bin on PATH when it is
// set; tamper, when set, sees (and may change) tar's input.
func localRun(bin string, tamper func([]byte) []byte) runFunc {
	return func(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
		if strings.Contains(cmd[len(cmd)-1], "echo '#sum'; i=1;") && stdin != nil {
			// its batches come in the tar stream: a stdin that fills while hashing lags
			// stalls an exec stream at the API server
			return errors.New("the verify script is given a stdin")
		}
		c := exec.CommandContext(ctx, cmd[0], cmd[1:]...)
		c.Stdout, c.Stderr = stdout, stderr
		if bin != "" {
			c.Path, c.Env = filepath.Join(bin, cmd[0]), []string{"PATH=" + bin}
		}
		c.Stdin = stdin
		if tamper != nil && strings.Contains(cmd[len(cmd)-1], "tar -xf") {
			all, err := io.ReadAll(stdin)
			if err != nil {
				return err
			}
			c.Stdin = bytes.NewReader(tamper(all))
		}
		return c.Run()
	}
}

// hangsLikeSPDY is a stream that, like an exec over SPDY whose command ended before it read
// all of its stdin, does not end (nor deliver the command's stderr) until ctx ends it.
func hangsLikeSPDY(run runFunc) runFunc {
	return func(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
		var lost bytes.Buffer
		in := &eofReader{r: stdin}
		err := run(ctx, cmd, in, stdout, &lost)
		if err == nil || in.eof {
			stderr.Write(lost.Bytes())
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	}
}

// losesItsStatus is a stream whose connection closes as its command ends, before the
// command's exit status and stderr arrive: client-go's exec then returns nil.
func losesItsStatus(run runFunc) runFunc {
	return func(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error {
		run(ctx, cmd, stdin, stdout, io.Discard)
		return nil
	}
}

// eofReader notes whether its reader was read to the end.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}

func pushLocal(t *testing.T, bin string, src, root string, have data.Manifest, force bool, tamper func([]byte) []byte) (pushed, error) {
	t.Helper()
	return pushLocalWith(t, bin, src, root, have, force, tamper, nil)
}

// pushLocalWith is pushLocal with the stream's runFunc wrapped by wrap (nil: as run).
func pushLocalWith(t *testing.T, bin string, src, root string, have data.Manifest, force bool, tamper func([]byte) []byte, wrap func(runFunc) runFunc) (pushed, error) {
	t.Helper()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(TarDir(src, pw, func(w string) { t.Log(w) })) }()
	p := pipeline{run: localRun(bin, tamper), root: root, claim: "claim", name: "uploads",
		stopped: func(_ context.Context, err error, stderr string) string { return fmt.Sprint(err) + ": " + stderr }}
	if wrap != nil {
		p.stream = wrap(localRun(bin, tamper))
	}
	if have == nil {
		p.prep = prepScript(filepath.Join(root, "claim"), force)
	}
	return p.push(context.Background(), pr, have, 0, func(w string) { t.Error(w) }, nil)
}

// TestPipeline pushes a tree through the pipeline's scripts on this machine (tar -x, and
// VerifyScript hashing the files as they land, then listing): the two manifests are equal,
// the markers stay out of the claim, a claim with content is refused, a resume verifies what
// it did not send with the listing made before it, and a file corrupted on its way to the
// target's disk is found by its checksum.
func TestPipeline(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: tar -x --numeric-owner keeps owners only as root")
	}
	src := t.TempDir()
	Tree(t, src, 3000) // several batches: 3000 names are more than batchNames bytes
	for name, bin := range toolsets(t) {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			os.Mkdir(filepath.Join(root, "claim"), 0o755)
			r, err := pushLocal(t, bin, src, root, nil, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := data.Compare(r.src, r.target); len(diff) > 0 {
				t.Fatalf("the copy differs from its source: %v", diff)
			}
			if r.target["bin/tool"].SHA256 == "" || r.target["links/hard1"].SHA256 != r.target["bin/tool"].SHA256 {
				t.Errorf("checksums: tool %q, its hard link %q", r.target["bin/tool"].SHA256, r.target["links/hard1"].SHA256)
			}
			if marks, _ := filepath.Glob(filepath.Join(root, marks, "*", "*")); len(marks) < 2 {
				t.Errorf("%d batch markers, want several", len(marks))
			}

			_, err = pushLocal(t, bin, src, root, nil, false, nil)
			if err == nil || !strings.Contains(err.Error(), "claim uploads is not empty (") {
				t.Errorf("a push into a claim with content: %v", err)
			}
			// the same over a stream that does not end by itself when the node's script
			// stops reading (SPDY): the verify exec's report of the script's failure ends it
			_, err = pushLocalWith(t, bin, src, root, nil, false, nil, hangsLikeSPDY)
			if err == nil || !strings.Contains(err.Error(), "claim uploads is not empty (") {
				t.Errorf("a push into a claim with content, over a stream that does not end: %v", err)
			}
			// tar failing mid-stream (the claim full), over such a stream: one error with
			// tar's own words (busybox tar stops reading at its first error, GNU tar reads on)
			other := t.TempDir()
			full := filepath.Join(other, "claim")
			os.Mkdir(full, 0o755)
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", full).CombinedOutput(); err != nil {
				t.Fatalf("mount a 1 MiB tmpfs: %v\n%s", err, out)
			}
			defer exec.Command("umount", full).Run()
			_, err = pushLocalWith(t, bin, src, other, nil, false, nil, hangsLikeSPDY)
			if err == nil || !strings.Contains(err.Error(), "No space left on device") || !strings.Contains(err.Error(), "the claim holds a partial copy") {
				t.Errorf("tar failing mid-stream, over a stream that does not end: %v", err)
			} else {
				t.Log(err)
			}
			// and over a stream that loses the script's status and stderr: busybox tar stops
			// reading, and the verify exec's report says why; GNU tar reads on, and the copy
			// fails its comparison
			lost, err := pushLocalWith(t, bin, src, other, nil, true, nil, losesItsStatus)
			if name == "busybox" && (err == nil || !strings.Contains(err.Error(), "No space left on device") || !strings.Contains(err.Error(), "exit code")) {
				t.Errorf("busybox tar failing mid-stream, over a stream that loses its status: %v", err)
			}
			if err == nil && len(data.Compare(lost.src, lost.target)) == 0 {
				t.Errorf("a copy into a full claim, over a stream that loses its status, passed its comparison")
			}

			// a resume after one file was truncated sends that file and verifies the rest
			// with the listing made before it
			os.Truncate(filepath.Join(root, "claim/many/007/f7.txt"), 2)
			have := listLocal(t, filepath.Join(root, "claim"))
			r, err = pushLocal(t, bin, src, root, have, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.copied.SentBytes != int64(len("file 7\n")) {
				t.Errorf("the resume sent %d bytes", r.copied.SentBytes)
			}
			if diff := data.Compare(r.src, r.target); len(diff) > 0 {
				t.Fatalf("after the resume: %v", diff)
			}

			// a copy interrupted after a file but before its hard links: the resume sends
			// the links alone, and they are verified with the file's checksum from the listing
			os.Remove(filepath.Join(root, "claim/links/hard1"))
			have = listLocal(t, filepath.Join(root, "claim"))
			r, err = pushLocal(t, bin, src, root, have, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			dirs := 0 // directories are always sent again (their times and modes)
			for _, e := range r.src {
				if e.Type == 'd' {
					dirs++
				}
			}
			if r.copied.SentFiles != int64(dirs)+1 || r.copied.SentBytes != 0 {
				t.Errorf("the resume sent %d entries (%d directories), %d bytes; want the directories and the hard link alone", r.copied.SentFiles, dirs, r.copied.SentBytes)
			}
			if diff := data.Compare(r.src, r.target); len(diff) > 0 {
				t.Fatalf("after the resume that sent a hard link alone: %v", diff)
			}

			// --force, and one file's bytes changed between berth and the target's disk
			r, err = pushLocal(t, bin, src, root, nil, true, func(b []byte) []byte {
				i := bytes.Index(b, []byte("file 2999\n"))
				if i < 0 {
					t.Fatal("no file 2999 in the stream")
				}
				b[i+5] = '8'
				return b
			})
			if err != nil {
				t.Fatal(err)
			}
			diff := data.Compare(r.src, r.target)
			if len(diff) != 1 || diff[0].String() != "many/049/f2999.txt: checksum differs" {
				t.Errorf("a file corrupted on the way: differences %v, want many/049/f2999.txt: checksum differs", diff)
			}
		})
	}
}
