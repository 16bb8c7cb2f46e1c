package build

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/util/progress/progressui"
	"golang.org/x/sync/errgroup"
)

// solve runs one build: the Dockerfile frontend over the job's sources, exporting an image
// named j.ref (pushed when push). It returns the image digest the builder reports.
func (j *job) solve(ctx context.Context, c *client.Client, opts Options, push bool) (string, error) {
	mounts, err := j.mounts()
	if err != nil {
		return "", err
	}
	auth, err := authProvider(opts.Environ)
	if err != nil {
		return "", err
	}
	from, err := cacheEntries(j.cacheFrom)
	if err != nil {
		return "", fmt.Errorf("%s.cache_from: service %s: %w", j.build.Field, j.service, err)
	}
	to, err := cacheEntries(j.cacheTo)
	if err != nil {
		return "", fmt.Errorf("%s.cache_to: service %s: %w", j.build.Field, j.service, err)
	}
	exportAttrs := map[string]string{"name": j.ref}
	if push {
		exportAttrs["push"] = "true"
	} else {
		// the first pass only builds; the registry is not contacted
		to = nil
	}
	so := client.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: maps.Clone(j.attrs),
		LocalMounts:   mounts,
		Exports:       []client.ExportEntry{{Type: client.ExporterImage, Attrs: exportAttrs}},
		CacheImports:  from,
		CacheExports:  to,
		Session:       append([]session.Attachable{auth}, j.attach...),
	}
	ch, shown := make(chan *client.SolveStatus), make(chan *client.SolveStatus)
	display, err := newDisplay(opts, j.service, push)
	if err != nil {
		return "", err
	}
	logs := newStepLogs(j.secretValues)
	var resp *client.SolveResponse
	eg, gctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		var err error
		resp, err = c.Solve(gctx, nil, so, ch)
		return err
	})
	displayed := make(chan struct{})
	eg.Go(func() error { // Solve closes ch when it returns; ch is drained even if the display stops
		defer close(shown)
		for st := range ch {
			logs.add(st)
			select {
			case shown <- logs.redacted(st):
			case <-displayed:
			}
		}
		return nil
	})
	eg.Go(func() error {
		defer close(displayed)
		_, err := display.UpdateFrom(context.WithoutCancel(gctx), shown)
		return err
	})
	if err := eg.Wait(); err != nil {
		return "", j.solveError(err, push, logs.tail())
	}
	d := resp.ExporterResponse[exptypes.ExporterImageDigestKey]
	if d == "" {
		return "", fmt.Errorf("%s: service %s: the builder reported no image digest", j.build.Field, j.service)
	}
	return d, nil
}

// image is the result of a solve.
func (j *job) image(digest string, pushed bool) Image {
	return Image{
		Service: j.service, Field: j.build.Field, Context: j.build.Context, Dockerfile: j.dockerfile, Target: j.build.Target,
		Ref: j.ref, Digest: digest, Pushed: pushed,
	}
}

// newDisplay shows BuildKit's progress: its animated display on a terminal, plain lines
// otherwise (logs of failing steps included), nothing without a writer.
func newDisplay(opts Options, service string, push bool) (progressui.Display, error) {
	if opts.Progress == nil {
		return progressui.NewDisplay(nil, progressui.QuietMode)
	}
	phase := "build " + service
	if push {
		phase = "push " + service
	}
	mode := progressui.PlainMode
	if opts.TTY {
		mode = progressui.TtyMode
	}
	d, err := progressui.NewDisplay(opts.Progress, mode, progressui.WithPhase(phase))
	if err != nil && mode == progressui.TtyMode {
		return progressui.NewDisplay(opts.Progress, progressui.PlainMode, progressui.WithPhase(phase))
	}
	return d, err
}

// cacheEntries parses buildx cache specs: "type=registry,ref=R,mode=max" or a bare image
// reference (a registry cache).
func cacheEntries(specs []string) ([]client.CacheOptionsEntry, error) {
	var out []client.CacheOptionsEntry
	for _, s := range specs {
		e := client.CacheOptionsEntry{Attrs: map[string]string{}}
		if !strings.Contains(s, "=") {
			e.Type = "registry"
			e.Attrs["ref"] = s
			out = append(out, e)
			continue
		}
		for _, f := range strings.Split(s, ",") {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("%q: want key=value pairs (type=registry,ref=REF)", s)
			}
			if k == "type" {
				e.Type = v
			} else {
				e.Attrs[k] = v
			}
		}
		if e.Type == "" {
			return nil, fmt.Errorf("%q: no type= (registry, inline, local, gha, s3)", s)
		}
		out = append(out, e)
	}
	return out, nil
}
