package render

import (
	"bytes"
	"testing"
)

// TestEmitterKeyOrderDeterministic: keys whose encoder order is not transitive still come out
// in one order, whatever order the map yields them in.
func TestEmitterKeyOrderDeterministic(t *testing.T) {
	var first []byte
	for i := 0; i < 200; i++ {
		m := map[string]any{"10": "a", "1e3": "b", "01": "c", "2": "d", "x": "e", "1": "f", "001": "g"}
		e := &emitter{}
		if !e.mapping(m, 0, false) {
			t.Skip("the emitter hands these keys to goyaml")
		}
		if first == nil {
			first = bytes.Clone(e.buf.Bytes())
			continue
		}
		if !bytes.Equal(first, e.buf.Bytes()) {
			t.Fatalf("run %d:\n%s\nfirst:\n%s", i, e.buf.Bytes(), first)
		}
	}
}
