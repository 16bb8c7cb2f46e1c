package transfer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/pkg/data"
)

// marks is where, under the extraction root, the stream's batch markers land (the helper
// container's /tmp, never the claim).
const marks = "tmp/.berth-push"

// Batches end at this many file bytes or bytes of names (a shell command line).
const (
	batchBytes = 8 << 20
	batchNames = 32 << 10
)

// runFunc runs a command on the target side: exec in the helper pod, or a local process in
// tests.
type runFunc func(ctx context.Context, cmd []string, stdin io.Reader, stdout, stderr io.Writer) error

// pipeline is one push's target side: tar -x of the stream under root, and, running beside
// it, data.VerifyScript hashing the files as they land, then listing the claim.
type pipeline struct {
	run runFunc
	// stream runs the copy's exec (tar -x of the stream): over SPDY first in a cluster, which
	// carries the stream 10-20 % faster than WebSocket (the API server translates WebSocket
	// into SPDY for the kubelet). An exec over SPDY whose command stops reading does not end
	// while the sender writes: the verify exec, which watches the copy's script, ends it.
	// nil: run.
	stream runFunc
	root   string // where tar extracts ("/")
	claim  string // the claim's directory under root ("claim")
	name   string // the claim's name, for messages
	// prep runs before tar: the empty check, or --force's clearing; "" for a resume.
	prep string
	// stopped says why the receiving side ended early (the API server gone, tar's stderr).
	stopped func(ctx context.Context, err error, stderr string) string
	// ahead has the sums of a directory source's files hashed before the stream (nil: none).
	ahead *ahead
}

// pushed is what a pipeline did.
type pushed struct {
	src, target    data.Manifest
	copied         Copied
	stream, verify time.Duration // the stream, and the verification's tail after it
}

// reportWait bounds the wait for the verify exec's report of a copy script whose own exec
// ended without one: the script polls every 50 ms.
const reportWait = 3 * time.Second

// notEmpty is what prep prints on stderr before it refuses a claim with content.
const notEmpty = "berth-not-empty "

// prepScript is the shell run before tar: refuse a claim with content, or clear it (force).
func prepScript(dir string, force bool) string {
	find := "find . -mindepth 1 -maxdepth 1 ! -name lost+found"
	if force {
		return "cd " + data.Quote(dir) + "; " + find + " -exec rm -rf {} +; "
	}
	return "cd " + data.Quote(dir) + "; n=$(" + find + " | wc -l); if [ \"$n\" -ne 0 ]; then echo " + notEmpty + "$n >&2; exit 3; fi; "
}

// push streams source into the claim and verifies it: the files are hashed on the target
// while the stream goes on, the metadata listed once tar has ended.
func (p pipeline) push(ctx context.Context, source io.Reader, have data.Manifest, total int64, warn func(string), count func(Copied)) (res pushed, err error) {
	// this push's own marker directory: a marker left by an earlier push never counts
	markRel := path.Join(marks, strconv.FormatInt(time.Now().UnixNano(), 36))
	dir, markDir := path.Join(p.root, p.claim), path.Join(p.root, markRel)
	vctx, cancelVerify := context.WithCancel(ctx)
	defer cancelVerify()
	var vout, verr bytes.Buffer
	verified := make(chan error, 1)
	go func() {
		verified <- p.run(vctx, []string{"sh", "-c", data.VerifyScript(dir, markDir)}, nil, &vout, &verr)
	}()

	t0 := time.Now()
	pr, pw := io.Pipe()
	type result struct {
		m   data.Manifest
		c   Copied
		err error
	}
	done := make(chan result, 1)
	b := &batcher{marks: markRel, maxBytes: batchBytes, maxNames: batchNames}
	go func() {
		// whole 32 KiB reads for the exec's stdin, one WebSocket frame each, rather than a
		// frame per tar header and per small file
		bw := bufio.NewWriterSize(pw, 64<<10)
		m, cp, err := copyStream(bw, source, have, warn, count, p.claim+"/", b, p.ahead)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
		done <- result{m, cp, err}
	}()
	var stderr bytes.Buffer
	sctx, cancelStream := context.WithCancel(ctx)
	defer cancelStream()
	streamed := make(chan error, 1)
	stream := p.stream
	if stream == nil {
		stream = p.run
	}
	go func() {
		streamed <- stream(sctx, []string{"sh", "-c", data.TarScript(markDir, p.prep, p.root)}, pr, io.Discard, &stderr)
	}()
	// when the node's script fails (it says why in the verify exec's output) or the verify exec
	// itself fails, the stream is ended: over SPDY it would wait while the source is still sent
	var execErr, verifyErr error
	verifyDone := false
	select {
	case execErr = <-streamed:
	case verifyErr = <-verified:
		verifyDone = true
		_, _, failed := strings.Cut(vout.String(), data.FailedLine)
		if failed || verifyErr != nil {
			cancelStream()
		}
		execErr = <-streamed
		if verifyErr != nil {
			execErr = fmt.Errorf("the verification ended before the copy: %w", verifyErr)
		}
	}
	pr.CloseWithError(errStopped)
	r := <-done
	res.copied, res.stream = r.c, time.Since(t0)
	if r.err != nil || execErr != nil {
		if !verifyDone {
			// the copy's exec ended without a word (its status can be lost when the connection
			// closes first): the verify exec reports the copy script's exit and stderr within its
			// next poll, so it gets a moment before it is cancelled
			if stderr.Len() == 0 && ctx.Err() == nil {
				select {
				case <-verified:
					verifyDone = true
				case <-time.After(reportWait):
				}
			}
			if !verifyDone {
				cancelVerify()
				<-verified
			}
		}
		nodeErr := stderr.String()
		if _, rest, ok := strings.Cut(vout.String(), data.FailedLine); ok {
			code, text, _ := strings.Cut(rest, "\n")
			execErr, nodeErr = fmt.Errorf("the node's copy script ended with exit code %s", strings.TrimSpace(code)), text
		} else if verifyDone && nodeErr == "" {
			nodeErr = verr.String()
		}
		nodeErr = brief(nodeErr)
		if _, n, ok := strings.Cut(nodeErr, notEmpty); ok {
			return res, fmt.Errorf("claim %s is not empty (%s entries at its root): pass --force to replace its content, or --resume to continue an interrupted copy", p.name, strings.TrimSpace(n))
		}
		var cause string
		switch {
		case r.err != nil && !errors.Is(r.err, errStopped):
			cause = r.err.Error()
		case ctx.Err() != nil:
			cause = "interrupted"
		default:
			cause = p.stopped(ctx, execErr, nodeErr)
		}
		at := mib(r.c.Bytes)
		if total > 0 {
			at += " of " + mib(total)
		}
		next := "run again with --resume to send only what is missing"
		if strings.Contains(cause, "No space left on device") {
			// a resume alone would fill it again
			src := "the source"
			if total > 0 {
				src += " (" + mib(total) + ")"
			}
			next = "the claim is too small for " + src + ": give the volume a larger size (its x-berth size, or --volume-size) or expand the claim, then run again with --resume"
		}
		return res, fmt.Errorf("copy into claim %s stopped after reading %s of the source: %s; the claim holds a partial copy (the last file may be half-written): %s; the source was only read", p.name, at, cause, next)
	}
	t1 := time.Now()
	defer func() { res.verify = time.Since(t1) }()
	if !verifyDone {
		verifyErr = <-verified
	}
	if err := verifyErr; err != nil {
		return res, fmt.Errorf("verify claim %s after the copy: %s; the claim holds the whole copy, not verified: run again with --resume (it lists and hashes the claim, and sends what differs)",
			p.name, p.stopped(ctx, err, verr.String()))
	}
	target, err := data.ParseList(&vout)
	if err != nil {
		return res, fmt.Errorf("verify claim %s after the copy: %w", p.name, err)
	}
	// files not sent (a resume) were hashed by the listing before the copy: tar left them as
	// they were, and a hard link sent to one of them has its content
	target.SumsFrom(have)
	res.src, res.target = r.m, target
	return res, nil
}

// brief shortens a tool's stderr for an error message: GNU tar, for one, goes on after a full
// disk and says so for every file.
func brief(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) <= 6 {
		return strings.Join(lines, "\n")
	}
	return strings.Join(append(append(lines[:3:3], fmt.Sprintf("(%d more lines)", len(lines)-5)), lines[len(lines)-2:]...), "\n")
}
