package model

import (
	"strings"
	"testing"
)

func TestCheckSize(t *testing.T) {
	for s, ok := range map[string]bool{
		"": true, "10Gi": true, "1.5G": true, "500M": true, "5e9": true, "0.5Gi": true, ".5Gi": true, "1": true, "1Ei": true,
		"0": false, "0Gi": false, "0.0Mi": false, "-1Gi": false, "10GB": false, "Gi": false, "1e": false, "1 Gi": false,
		"10gi": false, "1.2.3Gi": false, "500m": false, "+1Gi": false,
	} {
		if got := CheckSize(s) == nil; got != ok {
			t.Errorf("CheckSize(%q) accepted = %v, want %v", s, got, ok)
		}
	}
}

func TestCheckDNSLabel(t *testing.T) {
	long := "a123456789012345678901234567890123456789012345678901234567890123"
	for s, ok := range map[string]bool{
		"": true, "shop": true, "a-b": true, "0a": true, long[:63]: true,
		long: false, "-a": false, "a-": false, "A": false, "a_b": false, "a.b": false,
	} {
		if got := CheckDNSLabel(s) == nil; got != ok {
			t.Errorf("CheckDNSLabel(%q) accepted = %v, want %v", s, got, ok)
		}
	}
}

func TestCheckEnums(t *testing.T) {
	for _, c := range []struct {
		check func(string) error
		good  []string
		bad   []string
	}{
		{CheckExpose, []string{"", "ingress", "loadbalancer", "nodeport", "none"}, []string{"Ingress", "lb", "public"}},
		{CheckRouting, []string{"", "ingress", "gateway"}, []string{"istio"}},
		{CheckProvider, []string{"", "generic", "aws"}, []string{"foo", "AWS", "gcp"}},
		{CheckAccessMode, []string{"", "ReadWriteOnce", "ReadWriteMany"}, []string{"rwo"}},
	} {
		for _, s := range c.good {
			if err := c.check(s); err != nil {
				t.Errorf("%q refused: %v", s, err)
			}
		}
		for _, s := range c.bad {
			if err := c.check(s); err == nil {
				t.Errorf("%q accepted", s)
			}
		}
	}
}

func TestCheckDNSSubdomain(t *testing.T) {
	long := strings.Repeat("a", 100)
	for s, ok := range map[string]bool{
		"": true, "example.com": true, "a": true, "0.a-b.c": true, long: true, strings.Repeat("a.", 126) + "a": true,
		strings.Repeat("a.", 127): false, strings.Repeat("a.", 126) + "ab": false, "-a": false, "a-": false,
		"a..b": false, ".a": false, "a.": false, "A.com": false, "a_b": false, "a.-b": false,
	} {
		if got := CheckDNSSubdomain(s) == nil; got != ok {
			t.Errorf("CheckDNSSubdomain(%q) accepted = %v, want %v", s, got, ok)
		}
	}
}
