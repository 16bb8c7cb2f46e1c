package ecs

import (
	"sort"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/diag"
)

// lines turns byte offsets of one file into 1-based line:column positions and back. Columns
// count characters (runes), so a tab or a multi-byte letter is one column. Counting from the
// start of the line costs the line's length, and a minified file is one long line with a
// position for each of its fields: past short lines, runes are counted from checkpoints.
type lines struct {
	file  string
	data  []byte
	start []int64 // offset of each line's first byte
	// marks are rune boundaries about every markEvery bytes with the number of runes before
	// them, built on first use (most files have only short lines).
	marks []mark
}

type mark struct {
	off   int64
	runes int64
}

const (
	markEvery = 256
	// shortLine is a distance counted rune by rune without checkpoints.
	shortLine = 4 * markEvery
)

func newLines(file string, data []byte) *lines {
	l := &lines{file: file, data: data, start: []int64{0}}
	for i, c := range data {
		if c == '\n' {
			l.start = append(l.start, int64(i+1))
		}
	}
	return l
}

// pos returns the position of byte offset off.
func (l *lines) pos(off int64) diag.Pos {
	if off < 0 {
		return diag.Pos{File: l.file}
	}
	if off > int64(len(l.data)) {
		off = int64(len(l.data))
	}
	lo, hi := 0, len(l.start)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if l.start[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return diag.Pos{File: l.file, Line: lo + 1, Column: int(l.runesBetween(l.start[lo], off)) + 1}
}

// offset is the byte offset of a 1-based line and character column (at most the line's end).
func (l *lines) offset(line, col int) int64 {
	if line < 1 || line > len(l.start) {
		return 0
	}
	off, end := l.start[line-1], int64(len(l.data))
	if line < len(l.start) {
		end = l.start[line] - 1 // the '\n'
	}
	if col > shortLine {
		// Skip to the checkpoint before the wanted rune, then count from there.
		want := l.runesBefore(off) + int64(col-1)
		i := sort.Search(len(l.marks), func(i int) bool { return l.marks[i].runes > want }) - 1
		if i >= 0 && l.marks[i].off > off {
			off, col = min(l.marks[i].off, end), int(want-l.marks[i].runes)+1
		}
	}
	for c := 1; c < col && off < end; c++ {
		_, size := utf8.DecodeRune(l.data[off:])
		off += int64(size)
	}
	return min(off, end)
}

// runesBetween counts the runes of data[from:to], as utf8.RuneCount does. A line starts after
// a '\n', which no UTF-8 sequence contains, so counting from the file's start agrees.
func (l *lines) runesBetween(from, to int64) int64 {
	if to-from <= shortLine {
		return int64(utf8.RuneCount(l.data[from:to]))
	}
	return l.runesBefore(to) - l.runesBefore(from)
}

// runesBefore counts the runes of data[:off].
func (l *lines) runesBefore(off int64) int64 {
	if l.marks == nil {
		l.marks = []mark{{0, 0}}
		var runes int64
		for i, next := 0, markEvery; i < len(l.data); runes++ {
			if i >= next {
				l.marks = append(l.marks, mark{int64(i), runes})
				next = i + markEvery
			}
			_, size := utf8.DecodeRune(l.data[i:])
			i += size
		}
	}
	i := sort.Search(len(l.marks), func(i int) bool { return l.marks[i].off > off }) - 1
	m := l.marks[i]
	return m.runes + int64(utf8.RuneCount(l.data[m.off:off]))
}
