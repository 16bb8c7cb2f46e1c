package ecs

import (
	"math/rand"
	"testing"
	"unicode/utf8"
)

// naivePos and naiveOffset are lines.pos and lines.offset by counting from the line's start.
func naivePos(data []byte, off int) (line, col int) {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line, start = line+1, i+1
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}

func naiveOffset(data []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		for data[off] != '\n' {
			off++
		}
		off++
	}
	for c := 1; c < col && off < len(data) && data[off] != '\n'; c++ {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// TestLinesCheckpoints compares positions on long lines (counted from checkpoints) with
// counting rune by rune, on text with multi-byte letters and invalid UTF-8.
func TestLinesCheckpoints(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	pieces := []string{"a", "é", "日", "😀", "\xff", "\xe2\x82", "\x80", "\n", " ", `"k":1,`}
	for round := 0; round < 20; round++ {
		var data []byte
		for len(data) < 20_000 {
			p := pieces[r.Intn(len(pieces))]
			if p == "\n" && r.Intn(300) != 0 {
				continue // long lines
			}
			data = append(data, p...)
		}
		ln := newLines("f", data)
		for k := 0; k < 300; k++ {
			off := r.Intn(len(data) + 1)
			line, col := naivePos(data, off)
			if got := ln.pos(int64(off)); got.Line != line || got.Column != col {
				t.Fatalf("round %d: pos(%d) = %d:%d, want %d:%d", round, off, got.Line, got.Column, line, col)
			}
			col += r.Intn(3) * r.Intn(3000) // sometimes past the line's end
			if got, want := ln.offset(line, col), naiveOffset(data, line, col); got != int64(want) {
				t.Fatalf("round %d: offset(%d, %d) = %d, want %d", round, line, col, got, want)
			}
		}
	}
}
