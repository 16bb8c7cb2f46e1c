package build

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"
)

func TestStepLogs(t *testing.T) {
	s := newStepLogs([]string{"hunter22"})
	ok, bad := client.Vertex{Digest: "sha256:a", Name: "[1/2] FROM base"}, client.Vertex{Digest: "sha256:b", Name: "[2/2] RUN make"}
	s.add(&client.SolveStatus{Vertexes: []*client.Vertex{&ok, &bad}})
	var out strings.Builder
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&out, "line %d\n", i)
	}
	text := out.String() + "password hunter22 and a partial"
	// the output arrives in chunks that split lines
	for len(text) > 0 {
		n := min(7, len(text))
		s.add(&client.SolveStatus{Logs: []*client.VertexLog{{Vertex: bad.Digest, Data: []byte(text[:n])}, {Vertex: ok.Digest, Data: []byte("x\n")}}})
		text = text[n:]
	}
	if got := s.tail(); got != "" {
		t.Errorf("tail before a failure = %q, want nothing", got)
	}
	bad.Error = "exit code: 2"
	s.add(&client.SolveStatus{Vertexes: []*client.Vertex{&bad}})
	want := "\nlast lines of [2/2] RUN make:"
	for i := 4; i <= 12; i++ {
		want += fmt.Sprintf("\n  | line %d", i)
	}
	want += "\n  | password *** and a partial"
	if got := s.tail(); got != want {
		t.Errorf("tail = %q\nwant %q", got, want)
	}
	red := s.redacted(&client.SolveStatus{Logs: []*client.VertexLog{{Vertex: bad.Digest, Data: []byte("pw=hunter22\n")}}})
	if got := string(red.Logs[0].Data); got != "pw=***\n" {
		t.Errorf("redacted log = %q", got)
	}
}
