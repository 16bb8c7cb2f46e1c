package convert

import (
	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/model"
)

// The *At helpers account a model value under the input fields its loader recorded for it
// (model.Paths): one field, or several when the loader merged them (the dnsServers of every
// container of an ECS task). A lossy outcome warns once, at the first field.

// mappedAt records that the value written at paths became targets.
func (b *builder) mappedAt(service string, paths []string, targets ...string) {
	for _, f := range paths {
		b.ledger.Mapped(service, f, targets...)
	}
}

// partialAt records a lossy conversion of the value written at paths.
func (b *builder) partialAt(service string, paths []string, reason string, targets ...string) {
	b.lossyAt(diag.Partial, service, paths, reason, targets)
}

// droppedAt records that the value written at paths was not converted.
func (b *builder) droppedAt(service string, paths []string, reason string) {
	b.lossyAt(diag.Dropped, service, paths, reason, nil)
}

func (b *builder) lossyAt(o diag.Outcome, service string, paths []string, reason string, targets []string) {
	if len(paths) == 0 {
		paths = []string{""} // a default the input did not write: the warning names the service
	}
	for i, f := range paths {
		switch {
		case i > 0:
			b.ledger.Record(diag.Entry{Service: service, Field: f, Outcome: o, Reason: reason, Targets: targets})
		case o == diag.Partial:
			b.ledger.Partial(service, f, reason, targets...)
		default:
			b.ledger.Dropped(service, f, reason)
		}
	}
}

// ignoredAt records that the value written at paths needs nothing in Kubernetes.
func (b *builder) ignoredAt(service string, paths []string, reason string) {
	for _, f := range paths {
		b.ledger.Ignored(service, f, reason)
	}
}

// commandField is the field of c's command line: its arguments (Compose command), else its
// entrypoint, else the container.
func commandField(c *model.Container) string {
	for _, f := range []string{c.Paths.Of(model.KeyArgs), c.Paths.Of(model.KeyCommand)} {
		if f != "" {
			return f
		}
	}
	return c.Field
}
