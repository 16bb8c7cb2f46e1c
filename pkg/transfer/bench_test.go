package transfer

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
)

// BenchmarkSource is berth's side of a push of a directory, without the cluster: the tree read
// into a tar stream, rewritten with every file hashed and batch markers added, into 64 KiB
// writes. The tree is TestData's shape at a third of its size: 3 000 small files and 10 files
// of 8 MiB of random data (80 MiB).
func BenchmarkSource(b *testing.B) {
	dir := b.TempDir()
	Tree(b, dir, 3000)
	rnd := rand.New(rand.NewSource(1))
	var size int64
	for i := range 10 {
		buf := make([]byte, 8<<20)
		rnd.Read(buf)
		golden.WriteFile(b, filepath.Join(dir, "big", fmt.Sprintf("%d.bin", i)), buf)
		size += int64(len(buf))
	}
	b.SetBytes(size)
	for b.Loop() {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(TarDir(dir, pw, func(string) {})) }()
		bt := &batcher{marks: "tmp/m", maxBytes: batchBytes, maxNames: batchNames}
		bw := bufio.NewWriterSize(io.Discard, 64<<10)
		if _, _, err := copyStream(bw, pr, nil, func(string) {}, nil, "claim/", bt, nil); err != nil {
			b.Fatal(err)
		}
	}
}
