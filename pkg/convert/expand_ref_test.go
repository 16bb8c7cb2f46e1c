package convert

// expand is the kubelet's $(VAR) expansion, copied from
// k8s.io/kubernetes@v1.33.13/third_party/forked/golang/expansion/expand.go (BSD-style license,
// Copyright 2009 The Go Authors) so tests check escaping against the real algorithm.

import "bytes"

const (
	operator        = '$'
	referenceOpener = '('
	referenceCloser = ')'
)

func expand(input string, mapping func(string) string) string {
	var buf bytes.Buffer
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] == operator && cursor+1 < len(input) {
			buf.WriteString(input[checkpoint:cursor])
			read, isVar, advance := tryReadVariableName(input[cursor+1:])
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

func tryReadVariableName(input string) (string, bool, int) {
	switch input[0] {
	case operator:
		return input[0:1], false, 1
	case referenceOpener:
		for i := 1; i < len(input); i++ {
			if input[i] == referenceCloser {
				return input[1:i], true, i + 1
			}
		}
		return string(operator) + string(referenceOpener), false, 1
	default:
		return (string(operator) + string(input[0])), false, 1
	}
}
