package model

import (
	"fmt"
	"strings"
)

// The option values below are checked here, and only here: by convert.Options.Validate (the
// CLI's flags and library callers) and by the x-berth loader (AppOptions.Validate), so a value
// one accepts the other accepts too. Each Check returns an error saying what is wanted, without
// naming the option: the caller names it (a flag, or an x-berth field with its position).

// Expose modes: how a service with published ports is reached. "" lets berth decide.
const (
	ExposeIngress      = "ingress"
	ExposeLoadBalancer = "loadbalancer"
	ExposeNodePort     = "nodeport"
	ExposeNone         = "none"
)

// ExposeModes lists the expose modes in the order messages give them.
var ExposeModes = []string{ExposeIngress, ExposeLoadBalancer, ExposeNodePort, ExposeNone}

// Routing modes of public HTTP services. "" means ingress.
const (
	RoutingIngress = "ingress"
	RoutingGateway = "gateway"
)

// Providers: the cloud whose load balancers and storage classes berth targets. "" means generic.
const (
	ProviderGeneric = "generic"
	ProviderAWS     = "aws"
)

// AccessModes are the PersistentVolumeClaim access modes a volume may ask for.
var AccessModes = []string{"ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"}

// CheckExpose accepts "" and the ExposeModes.
func CheckExpose(s string) error { return oneOf(s, ExposeModes) }

// CheckRouting accepts "", ingress and gateway.
func CheckRouting(s string) error { return oneOf(s, []string{RoutingIngress, RoutingGateway}) }

// CheckProvider accepts "", generic and aws.
func CheckProvider(s string) error { return oneOf(s, []string{ProviderGeneric, ProviderAWS}) }

// CheckAccessMode accepts "" and the AccessModes.
func CheckAccessMode(s string) error { return oneOf(s, AccessModes) }

func oneOf(s string, valid []string) error {
	if s == "" {
		return nil
	}
	for _, v := range valid {
		if s == v {
			return nil
		}
	}
	return fmt.Errorf("want %s", orList(valid))
}

func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// CheckSize accepts "" and a positive storage quantity such as 10Gi, 1.5G or 5e9: decimal
// digits with an optional fraction, then a binary (Ki..Ei), decimal (k..E) or exponent suffix
// — what resource.ParseQuantity parses with a positive value (no sign, no milli-units: those
// are not storage sizes).
func CheckSize(s string) error {
	if s == "" {
		return nil
	}
	num := s
	for _, suf := range []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E"} {
		if strings.HasSuffix(s, suf) {
			num = s[:len(s)-len(suf)]
			break
		}
	}
	if i := strings.IndexAny(num, "eE"); i >= 0 && num == s {
		if num[i+1:] == "" || !allDigits(num[i+1:]) {
			return errSize
		}
		num = num[:i]
	}
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) || strings.Trim(whole+frac, "0") == "" {
		return errSize
	}
	return nil
}

var errSize = fmt.Errorf("want a positive quantity such as 10Gi")

// allDigits reports whether s is empty or only ASCII digits; "" counts (an absent part).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckDNSLabel accepts "" and an RFC 1123 label (a namespace name): at most 63 lower-case
// letters, digits and '-', starting and ending with a letter or digit.
func CheckDNSLabel(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > 63 || !dnsLabel(s) {
		return fmt.Errorf("want a DNS label (lower-case letters, digits and '-', at most 63)")
	}
	return nil
}

// dnsLabel reports whether s is lower-case letters, digits and '-', starting and ending with a
// letter or digit, of any length.
func dnsLabel(s string) bool {
	ok := s != ""
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		ok = alnum || c == '-' && i > 0 && i < len(s)-1
	}
	return ok
}

// CheckDNSSubdomain accepts "" and an RFC 1123 subdomain (a domain, a GatewayClass name): at
// most 253 characters, dot-separated labels of lower-case letters, digits and '-' that start and
// end with a letter or digit (what Kubernetes' IsDNS1123Subdomain accepts).
func CheckDNSSubdomain(s string) error {
	if s == "" {
		return nil
	}
	ok := len(s) <= 253
	for _, label := range strings.Split(s, ".") {
		ok = ok && dnsLabel(label)
	}
	if !ok {
		return fmt.Errorf("want a DNS subdomain (lower-case letters, digits, '-' and '.', at most 253)")
	}
	return nil
}

// OptionError is a bad option value. Option names the option as a flag (volume-size), which the
// CLI prints as --volume-size and library callers read as the field's name; Key names it as a
// top-level x-berth key (volumeSize), "" for an option x-berth does not have.
type OptionError struct {
	Option string
	Key    string
	Value  string
	Err    error
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("option %s %q: %v", e.Option, e.Value, e.Err)
}

func (e *OptionError) Unwrap() error { return e.Err }

// Validate checks the options the top-level x-berth shares with the flags: the one rule of
// each, which convert.Options.Validate applies to the flags and library callers' values too.
// The error is an *OptionError.
func (o AppOptions) Validate() error {
	for _, c := range []struct {
		option, key, value string
		check              func(string) error
	}{
		{"expose", "expose", o.Expose, CheckExpose},
		{"routing", "routing", o.Routing, CheckRouting},
		{"volume-size", "volumeSize", o.VolumeSize, CheckSize},
		{"namespace", "namespace", o.Namespace, CheckDNSLabel},
		{"ingress-namespace", "ingressNamespace", o.IngressNamespace, CheckDNSLabel},
		{"domain", "domain", o.Domain, CheckDNSSubdomain},
		{"gateway-class", "gatewayClass", o.GatewayClass, CheckDNSSubdomain},
	} {
		if err := c.check(c.value); err != nil {
			return &OptionError{Option: c.option, Key: c.key, Value: c.value, Err: err}
		}
	}
	return nil
}
