package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/berth-dev/berth/internal/cli"
	"github.com/berth-dev/berth/pkg/build"
	"github.com/berth-dev/berth/pkg/imageref"
	"github.com/berth-dev/berth/pkg/model"
)

// buildFlags are the image flags berth build and berth apply --build share.
type buildFlags struct {
	push       bool
	platforms  []string
	builder    string
	builderTLS string
}

func (b *buildFlags) bind(fs *pflag.FlagSet) {
	fs.StringSliceVar(&b.platforms, "platform", nil, "platforms to build, e.g. linux/amd64,linux/arm64 (one index for several; default: each build section's platforms, else the builder's)")
	fs.StringVar(&b.builder, "builder", "", "BuildKit address: unix://, tcp://, docker-container://NAME (a docker buildx builder), kube-pod://POD (default: BUILDKIT_HOST, else "+build.DefaultBuilder+")")
	fs.StringVar(&b.builderTLS, "builder-tls-dir", "", "directory with ca.pem, cert.pem and key.pem for a tcp:// builder")
}

// options are build.Options for app: the registry and the tag (default imageref.DefaultTag).
func (b *buildFlags) options(ctx context.Context, streams cli.IO, app *model.App, registry, tag string, services []string) (build.Options, error) {
	if tag == "" {
		var err error
		if tag, err = imageref.DefaultTag(ctx, app); err != nil {
			return build.Options{}, fmt.Errorf("the default image tag: %w (give --tag)", err)
		}
	}
	return build.Options{
		Registry: registry, Tag: tag, Push: b.push, Services: services, Platforms: b.platforms,
		Builder: b.builder, BuilderTLSDir: b.builderTLS, Environ: streams.Environ,
		Progress: streams.ErrOut, TTY: isTerminal(streams.ErrOut) && !isCI(streams.Environ),
	}, nil
}

// buildOptions are `berth build`'s flags.
type buildOptions struct {
	input cli.ConvertFlags
	image buildFlags
}

func newBuild(streams cli.IO) *cobra.Command {
	o := &buildOptions{input: cli.ConvertFlags{Environ: streams.Environ}}
	cmd := &cobra.Command{
		Use:   "build [SERVICE]... --registry REGISTRY [--push]",
		Short: cli.ClusterShort("build"),
		Long: `Build builds the images of the Compose services with a build section (or of the SERVICEs
named) the way docker compose build does (context, dockerfile, dockerfile_inline, target,
args, labels, additional_contexts, secrets, ssh, cache_from, cache_to, platforms, no_cache,
pull, .dockerignore) with BuildKit, through its Go client: no Docker daemon is needed, only a
BuildKit builder (--builder, BUILDKIT_HOST). Each image is named REGISTRY/<service>:<tag>; the
tag defaults to the project's short git commit (with -dirty for a changed work tree), else to
sha- and a digest of the build inputs. With --push every image is pushed once all have built,
so a failure pushes nothing. Registry credentials come from the docker config and its
credential helpers (docker-credential-ecr-login works unchanged); none is ever printed.

Progress is BuildKit's display on a terminal, plain lines otherwise (and with CI=true). Each
image is listed at the end: service, what it was built from, its reference and digest.`,
		Example: `  berth build --registry ghcr.io/acme --push
  berth build web --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop --tag v1.4.0 --push
  berth build --registry ghcr.io/acme --platform linux/amd64,linux/arm64 --push
  BUILDKIT_HOST=docker-container://buildx_buildkit_berth0 berth build --registry ghcr.io/acme`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), streams, args)
		},
	}
	fs := cmd.Flags()
	o.input.BindCompose(fs)
	fs.StringVar(&o.input.Options.Registry, "registry", "", "registry (and path) the images go to: REGISTRY/<service>:<tag> (required)")
	fs.StringVar(&o.input.Options.Tag, "tag", "", "image tag (default: the short git commit of the project, -dirty for a changed work tree; else sha- and a digest of the build inputs)")
	fs.BoolVar(&o.image.push, "push", false, "push the images (all of them, once every one has built)")
	o.image.bind(fs)
	return cmd
}

func (o *buildOptions) run(ctx context.Context, streams cli.IO, services []string) error {
	if o.input.Options.Registry == "" {
		return errors.New("--registry is required: the images are named REGISTRY/<service>:<tag>")
	}
	if err := o.input.Validate(); err != nil {
		return err
	}
	if o.input.IsECS() {
		return errors.New("berth build builds Compose build sections; ECS task definitions name images that are already built")
	}
	app, err := o.input.Load(ctx)
	if err != nil {
		return err
	}
	opts, err := o.image.options(ctx, streams, app, o.input.Options.Registry, o.input.Options.Tag, services)
	if err != nil {
		return err
	}
	imgs, err := build.Build(ctx, app, opts)
	if err != nil {
		return err
	}
	if len(imgs) == 0 {
		fmt.Fprintln(streams.ErrOut, "no service has a build section: nothing to build")
		return nil
	}
	return printImages(streams.Out, app, imgs)
}

// printImages lists the built images: service, built from, reference, digest, pushed.
func printImages(w io.Writer, app *model.App, imgs []build.Image) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tBUILT FROM\tIMAGE\tDIGEST\tPUSHED")
	for _, im := range imgs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", im.Service, builtFrom(app.Dir, im.Context, im.Dockerfile, im.Target), im.Ref, im.Digest, im.Pushed)
	}
	return tw.Flush()
}

// builtFrom is the context (relative to the project), the Dockerfile and the target stage.
func builtFrom(dir, context, dockerfile, target string) string {
	from := contextDockerfile(dir, context, dockerfile)
	if target != "" {
		from += " target " + target
	}
	return from
}

// contextDockerfile is the context (relative to the project) and the Dockerfile.
func contextDockerfile(dir, context, dockerfile string) string {
	rel := func(p string) string {
		if r, err := filepath.Rel(dir, p); err == nil && filepath.IsLocal(r) || r == "." {
			return r
		}
		return p
	}
	ctx := rel(context)
	switch {
	case dockerfile == "inline":
		return ctx + " (dockerfile_inline)"
	case dockerfile == "" || filepath.Base(dockerfile) == "Dockerfile" && filepath.Dir(dockerfile) == context:
		return ctx
	}
	return ctx + " (" + rel(dockerfile) + ")"
}

// pinned are --image SERVICE=REF@DIGEST options for the pushed images.
func pinned(imgs []build.Image) []string {
	var out []string
	for _, im := range imgs {
		out = append(out, im.Service+"="+im.Pinned())
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func isCI(environ []string) bool {
	v, _ := cli.LookupEnv(environ, "CI")
	return v == "true"
}
