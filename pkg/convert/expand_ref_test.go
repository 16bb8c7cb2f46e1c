package convert

// expand is the kubelet's $(VAR) expansion, copied from
// k8s.io/kubernetes@v1.37.2/third_party/forked/golang/expansion/expand.go (BSD-style license,
// Copyright 2009 The Go Authors) so tests check escaping against the real algorithm. berth
// targets kubelets 1.33 to 1.37, whose expansions differ in one case: a "$" before a character
// that is neither "$" nor "(" is copied with that character, which 1.34 and later decode as a
// UTF-8 rune and 1.33 takes as one byte (string(input[0]), a Latin-1 rune). expand runs both
// and, when they disagree, returns a text naming both results, which no check accepts.

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

const (
	operator        = '$'
	referenceOpener = '('
	referenceCloser = ')'
)

func expand(input string, mapping func(string) string) string {
	now, old := expandKubelet(input, mapping, false), expandKubelet(input, mapping, true)
	if now != old {
		return fmt.Sprintf("<kubelets disagree: 1.34+ give %q, 1.33 gives %q>", now, old)
	}
	return now
}

// expandKubelet is the expansion of kubelets 1.34 and later, or of 1.33 with bytewise.
func expandKubelet(input string, mapping func(string) string, bytewise bool) string {
	var buf bytes.Buffer
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] == operator && cursor+1 < len(input) {
			buf.WriteString(input[checkpoint:cursor])
			read, isVar, advance := tryReadVariableName(input[cursor+1:], bytewise)
			if isVar {
				buf.WriteString(mapping(read))
			} else {
				buf.WriteString(read)
			}
			cursor += advance
			checkpoint = cursor + 1
		}
	}
	return buf.String() + input[checkpoint:]
}

func tryReadVariableName(input string, bytewise bool) (string, bool, int) {
	r, size := utf8.DecodeRuneInString(input)
	if bytewise {
		r, size = rune(input[0]), 1
	}
	switch r {
	case operator:
		return input[0:size], false, size
	case referenceOpener:
		for i := 1; i < len(input); i++ {
			if input[i] == referenceCloser {
				return input[1:i], true, i + 1
			}
		}
		return string(operator) + string(referenceOpener), false, 1
	default:
		return string(operator) + string(r), false, size
	}
}
