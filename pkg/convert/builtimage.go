package convert

import (
	"errors"
	"strings"

	"github.com/berth-dev/berth/pkg/model"
)

// builtImages are the images Options set for services: --image SERVICE=REF, else the
// registry name (model.BuiltImage) of a service with a build section when Options.Registry
// is set. Keyed by service; the image replaces the main container's.
func (b *builder) builtImages() (map[string]string, error) {
	out := map[string]string{}
	if b.opts.Registry != "" {
		for _, s := range b.app.Services {
			if s.Main().Build != nil {
				out[s.Name] = model.BuiltImage(b.opts.Registry, s.Name, b.opts.Tag)
			}
		}
	}
	for _, im := range b.opts.Images {
		svc, ref, _ := strings.Cut(im, "=") // Validate checked the form
		if b.app.Service(svc) == nil {
			return nil, &OptionError{Option: "image", Value: im, Err: errors.New("no such service in the project")}
		}
		out[svc] = ref
	}
	return out, nil
}

// setImage gives the main container the image Options set for its service, and accounts
// the build section (and image) as what produced it.
func (b *builder) setImage(p *pod, x *ctr) bool {
	ref, ok := b.setImages[p.svc.Name]
	if !ok || x.M != p.svc.Main() {
		return false
	}
	c, svc := x.M, p.svc
	x.K.Image = ref
	if c.Build != nil {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyBuild), p.ctarget(x, "image"))
	}
	if !c.BuildOnly {
		b.ledger.Mapped(svc.Name, c.Paths.Of(model.KeyImage), p.ctarget(x, "image"), p.ctarget(x, "imagePullPolicy"))
	}
	return true
}

// imageList lists the services built from source or given an image by option.
func (b *builder) imageList() []Image {
	var out []Image
	for _, s := range b.app.Services { // sorted by name
		c := s.Main()
		ref, set := b.setImages[s.Name]
		if c.Build == nil && !set {
			continue
		}
		im := Image{Service: s.Name, Ref: c.Image}
		if c.Build != nil {
			im.Context, im.Dockerfile, im.Target = c.Build.Context, c.Build.Dockerfile, c.Build.Target
			if c.Build.DockerfileInline != "" {
				im.Dockerfile = "inline"
			} else if im.Dockerfile == "" {
				im.Dockerfile = "Dockerfile"
			}
			if c.BuildOnly && !set {
				im.Ref = ""
			}
		}
		if set {
			im.Ref, im.By = ref, "image"
			if b.opts.Registry != "" && c.Build != nil && ref == model.BuiltImage(b.opts.Registry, s.Name, b.opts.Tag) {
				im.By = "registry"
			}
		}
		out = append(out, im)
	}
	return out
}
