package build_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/build"
	"github.com/berth-dev/berth/test/cluster"
	"github.com/berth-dev/berth/test/cluster/buildkit"
)

// TestTLSBuilder: a builder at tcp://HOST:PORT with TLS that requires a client certificate
// (buildkitd's --tlscacert): with the client's ca.pem, cert.pem and key.pem (BuilderTLSDir)
// the image builds and is pushed; without them, or with a certificate of another CA, the
// builder does not answer and the error names the address and how to start a builder, with
// nothing pushed.
func TestTLSBuilder(t *testing.T) {
	ctx, env := start(t)
	addr, tlsDir := env.StartTLSBuilder(t)
	if !strings.HasPrefix(addr, "tcp://127.0.0.1:") {
		t.Fatalf("TLS builder address %s, want tcp://127.0.0.1:PORT", addr)
	}
	files := map[string]string{
		"compose.yaml":   "services:\n  web:\n    build: ./web\n",
		"web/Dockerfile": "FROM scratch\nCOPY page.txt /\n",
		"web/page.txt":   "over tls\n",
	}
	other, err := cluster.WriteMutualTLS(filepath.Join(t.TempDir(), "other"), "another-ca")
	if err != nil {
		t.Fatal(err)
	}
	// the builder's CA, but a client certificate another CA signed
	foreignClient := buildkit.ClientTLSDir(t, filepath.Join(tlsDir, "ca.pem"), other.ClientCert, other.ClientKey)
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"no TLS", "", "the builder speaks TLS: give --builder-tls-dir DIR"},
		{"a builder certificate of another CA", filepath.Dir(other.CA), "its certificate is not signed by ca.pem in --builder-tls-dir " + filepath.Dir(other.CA)},
		{"a client certificate of another CA", foreignClient, "check cert.pem and key.pem in --builder-tls-dir " + foreignClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(env, nil)
			o.Builder, o.BuilderTLSDir = addr, tc.dir
			before := env.Writes()
			_, err := build.Build(ctx, project(ctx, t, files), o)
			var nb *build.NoBuilderError
			if !errors.As(err, &nb) || nb.Addr != addr || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, addr, tc.want)
			}
			if n := env.Writes() - before; n != 0 {
				t.Errorf("%d writes reached the registry", n)
			}
			t.Logf("error: %v", err)
		})
	}
	o := opts(env, nil)
	o.Builder, o.BuilderTLSDir = addr, t.TempDir()
	if _, err := build.Build(ctx, project(ctx, t, files), o); err == nil || !strings.Contains(err.Error(), "--builder-tls-dir "+o.BuilderTLSDir+": ") {
		t.Errorf("an empty --builder-tls-dir: error %v, want one naming the flag and the missing file", err)
	}
	o.BuilderTLSDir = tlsDir
	imgs, err := build.Build(ctx, project(ctx, t, files), o)
	if err != nil {
		t.Fatalf("build through %s with the client certificate: %v", addr, err)
	}
	if len(imgs) != 1 || !imgs[0].Pushed {
		t.Fatalf("images %+v, want web pushed", imgs)
	}
	img, err := env.Image(ctx, imgs[0].Pinned())
	if err != nil {
		t.Fatal(err)
	}
	if got := imageFiles(t, img)["page.txt"]; got != "over tls\n" {
		t.Errorf("page.txt in the pushed image = %q", got)
	}
}
