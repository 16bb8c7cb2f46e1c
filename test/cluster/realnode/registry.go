package realnode

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// registry is an in-memory OCI registry served by the test process inside the namespace.
// containerd mirrors every registry to it, so a pod's `image: redis:7` (any pull policy) is
// pulled from here and nothing is ever fetched from outside.
type registry struct {
	srv       *http.Server
	transport http.RoundTripper
}

func (n *Node) startRegistry(ctx context.Context) error {
	l, err := n.thread.Listen(RegistryAddr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))}
	go func() { _ = srv.Serve(l) }()
	n.mu.Lock()
	n.registry = &registry{srv: srv, transport: &http.Transport{DialContext: n.thread.DialContext, Proxy: nil}}
	n.mu.Unlock()
	var pause pauseResult
	select {
	case pause = <-n.pause:
	case <-ctx.Done():
		return ctx.Err()
	}
	if pause.err != nil {
		return pause.err
	}
	return n.Push(ctx, PauseImageRef, pause.img)
}

// Push stores img in the node's registry under ref, as containerd will ask for it: a pod that
// says `image: ref` (for example "postgres:16", "docker.io/library/postgres:16" or
// "localhost/shop/api:dev") then runs img.
func (n *Node) Push(ctx context.Context, ref string, img v1.Image) error {
	dst, err := localRef(ref)
	if err != nil {
		return err
	}
	if err := remote.Write(dst, img, remote.WithContext(ctx), remote.WithTransport(n.registry.transport)); err != nil {
		return fmt.Errorf("pushing %s: %w", ref, err)
	}
	return nil
}

// localRef maps an image reference to the same repository and tag in the node's registry
// (containerd asks the mirror for /v2/<repository>/manifests/<tag>).
func localRef(ref string) (name.Reference, error) {
	// containerd reads "localhost/x" as registry "localhost"; go-containerregistry would read
	// it as docker.io/localhost/x
	if r, ok := strings.CutPrefix(ref, "localhost/"); ok {
		ref = "localhost:80/" + r
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	repo := RegistryAddr + "/" + r.Context().RepositoryStr()
	if d, ok := r.(name.Digest); ok {
		return name.NewDigest(repo+"@"+d.DigestStr(), name.Insecure)
	}
	return name.NewTag(repo+":"+r.Identifier(), name.Insecure)
}
