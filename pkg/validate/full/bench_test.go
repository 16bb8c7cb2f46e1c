package full_test

import (
	"testing"

	"github.com/berth-dev/berth/pkg/validate"
	"github.com/berth-dev/berth/pkg/validate/full"
)

// BenchmarkOffline measures loading the schemas once and validating one Deployment.
func BenchmarkOffline(b *testing.B) {
	b.Run("load", func(b *testing.B) {
		for range b.N {
			if _, err := full.NewOffline(""); err != nil {
				b.Fatal(err)
			}
		}
	})
	v, err := full.NewOffline("")
	if err != nil {
		b.Fatal(err)
	}
	objs, err := validate.ParseYAML([]byte(agreementCases[0].doc))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("deployment", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if r := v.Object(objs[0]); !r.Accepted {
				b.Fatal(r.Message)
			}
		}
	})
}
