package realnode

import "testing"

func TestLocalRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"redis:7-alpine", "127.0.0.1:5000/library/redis:7-alpine"},
		{"docker.io/library/redis:7", "127.0.0.1:5000/library/redis:7"},
		{"example/hello", "127.0.0.1:5000/example/hello:latest"},
		{"registry.k8s.io/pause:3.10", "127.0.0.1:5000/pause:3.10"},
		{"localhost/shop/api:dev", "127.0.0.1:5000/shop/api:dev"},
		{"ghcr.io/o/app@sha256:" + sha, "127.0.0.1:5000/o/app@sha256:" + sha},
	}
	for _, tt := range tests {
		got, err := localRef(tt.in)
		if err != nil {
			t.Errorf("localRef(%q): %v", tt.in, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("localRef(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if _, err := localRef("UPPER/case:x"); err == nil {
		t.Error("localRef accepted an invalid reference")
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
