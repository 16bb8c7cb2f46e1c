package convert

import (
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/berth-dev/berth/pkg/model"
)

// A library caller's bad option is refused by Convert, as the CLI refuses the flag: a
// Provider "foo" once meant generic without a word.
func TestConvertRefusesBadOptions(t *testing.T) {
	app := &model.App{Name: "x"}
	for _, o := range []Options{
		{Provider: "foo"}, {Expose: "public"}, {Routing: "istio"}, {VolumeSize: "0Gi"},
		{Namespace: "Bad_NS"}, {Secrets: "vault"}, {Replicas: -1}, {TLSCertARN: "arn:aws:acm:x"},
		{Provider: ProviderAWS, SourceRanges: []string{"10.0.0.0"}}, {Domain: "-x-"},
	} {
		if _, err := Convert(app, o); err == nil {
			t.Errorf("Convert accepted %+v", o)
		}
	}
	var oe *OptionError
	if _, err := Convert(app, Options{VolumeSize: "0Gi"}); !errors.As(err, &oe) || oe.Option != "volume-size" {
		t.Errorf("Convert(VolumeSize 0Gi) = %v, want an OptionError naming volume-size", err)
	}
	if _, err := Convert(app, Options{Provider: ProviderAWS, VolumeSize: "10Gi", Expose: ExposeNone}); err != nil {
		t.Errorf("good options refused: %v", err)
	}
}

// model.CheckSize (used by x-berth, which may not import Kubernetes) accepts exactly the
// positive, non-milli quantities resource.ParseQuantity parses.
func TestCheckSizeAgreesWithParseQuantity(t *testing.T) {
	for _, s := range []string{"10Gi", "1.5G", "500M", "5e9", "0.5Gi", ".5Gi", "1", "1Ei", "0", "0Gi", "0.0Mi", "-1Gi",
		"10GB", "Gi", "1e", "1 Gi", "10gi", "1.2.3Gi", "5E3", "7k", "3Ki", "100", "1.", "00010Mi"} {
		q, err := resource.ParseQuantity(s)
		want := err == nil && q.Sign() > 0
		if got := model.CheckSize(s) == nil; got != want {
			t.Errorf("%q: CheckSize accepts = %v, ParseQuantity positive = %v", s, got, want)
		}
	}
}

// model.CheckDNSSubdomain (domain and gateway-class, flags and x-berth alike) accepts exactly
// what Kubernetes' IsDNS1123Subdomain accepts.
func TestCheckDNSSubdomainAgreesWithKubernetes(t *testing.T) {
	for _, s := range []string{"example.com", "a", "0.a-b.c", strings.Repeat("a", 100), strings.Repeat("a.", 126) + "a",
		strings.Repeat("a.", 127), strings.Repeat("a.", 126) + "ab", "-a", "a-", "a..b", ".a", "a.", "A.com", "a_b",
		"a.-b", "xn--bcher-kva.example", "a b", "ä.com", "1.2.3.4"} {
		want := len(validation.IsDNS1123Subdomain(s)) == 0
		if got := model.CheckDNSSubdomain(s) == nil; got != want {
			t.Errorf("%q: CheckDNSSubdomain accepts = %v, IsDNS1123Subdomain = %v", s, got, want)
		}
	}
}
