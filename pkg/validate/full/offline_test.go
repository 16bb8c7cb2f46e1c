package full_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/full"
)

func TestOffline(t *testing.T) {
	v, err := full.NewOffline("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range agreementCases {
		t.Run(tc.name, func(t *testing.T) {
			r := offlineOne(t, v, tc.doc)
			t.Logf("%s", r)
			if r.Accepted != tc.valid {
				t.Fatalf("accepted = %v, want %v: %s", r.Accepted, tc.valid, r.Message)
			}
			if !tc.valid && !strings.Contains(r.Message, tc.want) {
				t.Errorf("message %q does not mention %q", r.Message, tc.want)
			}
		})
	}
	for _, tc := range serverRuleCases {
		t.Run("server rule: "+tc.name, func(t *testing.T) {
			if r := offlineOne(t, v, tc.doc); r.Accepted || !strings.Contains(r.Message, tc.want) {
				t.Errorf("want a rejection naming %q, got %s", tc.want, r)
			}
		})
	}
	for _, tc := range serverOnlyCases {
		t.Run("server only: "+tc.name, func(t *testing.T) {
			if r := offlineOne(t, v, tc.doc); !r.Accepted {
				t.Errorf("offline now rejects this (move it to agreementCases): %s", r.Message)
			}
		})
	}
}

func offlineOne(t *testing.T, v *full.Offline, doc string) validate.Result {
	t.Helper()
	objs, err := validate.ParseYAML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	return v.Object(objs[0])
}

func TestKubeVersions(t *testing.T) {
	vs := validate.KubeVersions()
	found := false
	for _, v := range vs {
		found = found || v == validate.DefaultKubeVersion
	}
	if !found {
		t.Fatalf("KubeVersions() = %v, want it to include %s", vs, validate.DefaultKubeVersion)
	}
	for _, in := range []string{"1.33", "v1.33", "1.33.13"} {
		v, err := full.NewOffline(in)
		if err != nil {
			t.Fatalf("NewOffline(%q): %v", in, err)
		}
		if v.KubeVersion() != "1.33" {
			t.Errorf("NewOffline(%q).KubeVersion() = %q", in, v.KubeVersion())
		}
	}
	for _, in := range []string{"1.12", "latest", "1"} {
		if _, err := full.NewOffline(in); err == nil {
			t.Errorf("NewOffline(%q): no error", in)
		}
	}
}
