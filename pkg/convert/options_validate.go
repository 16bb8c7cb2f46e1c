package convert

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/berth-dev/berth/pkg/model"
)

// OptionError is a bad Options value: Option is the option's flag name (expose, volume-size),
// which the CLI prints as --expose and library callers read as the field's name.
type OptionError = model.OptionError

// ErrAWSOnly: TLSCertARN and SourceRanges are given without ProviderAWS.
var ErrAWSOnly = errors.New("options tls-cert-arn and source-ranges need provider aws")

// Validate checks every option value; Convert calls it, so the CLI, the x-berth loader and
// library callers accept the same values: the options x-berth has too are checked by
// model.AppOptions.Validate, the one rule each, the others here. Empty values mean "default".
func (o Options) Validate() error {
	shared := model.AppOptions{
		Namespace: o.Namespace, Domain: o.Domain, Expose: o.Expose, Routing: o.Routing, GatewayClass: o.GatewayClass,
		VolumeSize: o.VolumeSize, IngressNamespace: o.IngressNamespace,
	}
	if err := shared.Validate(); err != nil {
		return err
	}
	checks := []struct {
		option, value string
		check         func(string) error
	}{
		{"provider", o.Provider, model.CheckProvider},
		{"secrets", o.Secrets, checkSecretsMode},
		{"tls-cert-arn", o.TLSCertARN, checkARN},
		{"kube-version", o.KubeVersion, checkKubeVersion},
	}
	for _, c := range checks {
		if err := c.check(c.value); err != nil {
			return &OptionError{Option: c.option, Value: c.value, Err: err}
		}
	}
	for _, r := range o.SourceRanges {
		if _, _, err := net.ParseCIDR(r); err != nil {
			return &OptionError{Option: "source-ranges", Value: r, Err: errors.New("want a CIDR such as 203.0.113.0/24")}
		}
	}
	if o.Replicas < 0 {
		return &OptionError{Option: "replicas", Value: fmt.Sprint(o.Replicas), Err: errors.New("want 0 or more")}
	}
	if o.Provider != ProviderAWS && (o.TLSCertARN != "" || len(o.SourceRanges) > 0) {
		return ErrAWSOnly
	}
	return o.validateImages()
}

// validateImages checks Registry, Tag and Images: a registry is a reference prefix
// (host[:port][/path], no tag), a tag a Docker tag, each image "SERVICE=REF".
func (o Options) validateImages() error {
	if o.Registry != "" {
		r := strings.TrimSuffix(o.Registry, "/")
		if _, err := reference.ParseNormalizedNamed(r + "/x"); err != nil {
			return &OptionError{Option: "registry", Value: o.Registry, Err: errors.New("want a registry and optional path, such as ghcr.io/acme or 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop (no tag)")}
		}
		if o.Tag == "" {
			return &OptionError{Option: "tag", Value: o.Tag, Err: errors.New("needed with a registry")}
		}
	}
	if o.Tag != "" {
		if o.Registry == "" {
			return &OptionError{Option: "tag", Value: o.Tag, Err: errors.New("needs a registry (--registry)")}
		}
		if !tagPattern().MatchString(o.Tag) {
			return &OptionError{Option: "tag", Value: o.Tag, Err: errors.New("want a Docker tag: letters, digits, _ . -, at most 128, not starting with . or -")}
		}
	}
	seen := map[string]bool{}
	for _, im := range o.Images {
		svc, ref, ok := strings.Cut(im, "=")
		if !ok || svc == "" || ref == "" {
			return &OptionError{Option: "image", Value: im, Err: errors.New("want SERVICE=IMAGE")}
		}
		if seen[svc] {
			return &OptionError{Option: "image", Value: im, Err: fmt.Errorf("service %s is given twice", svc)}
		}
		seen[svc] = true
		if _, err := reference.ParseNormalizedNamed(ref); err != nil {
			return &OptionError{Option: "image", Value: im, Err: fmt.Errorf("image reference: %w", err)}
		}
	}
	return nil
}

// tagPattern is the Docker tag grammar.
var tagPattern = lazyRegexp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

func checkSecretsMode(s string) error {
	if s == "" || s == SecretsExternal || s == SecretsPlaceholder {
		return nil
	}
	return errors.New("want external or placeholder")
}

func checkARN(s string) error {
	if s == "" || strings.HasPrefix(s, "arn:") {
		return nil
	}
	return errors.New("want an ACM certificate ARN (arn:aws:acm:...)")
}

// checkKubeVersion accepts "" and the minors kubectlReleases knows.
func checkKubeVersion(v string) error {
	if _, ok := kubectlReleases[v]; v != "" && !ok {
		return fmt.Errorf("want one of %s", strings.Join(slices.Sorted(maps.Keys(kubectlReleases)), ", "))
	}
	return nil
}
