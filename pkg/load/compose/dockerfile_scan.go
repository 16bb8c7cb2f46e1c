package compose

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// A Dockerfile is read here, not with buildkit's parser package: that package links
// google.golang.org/protobuf (for its error stacks), whose reflective method lookups make the
// Go linker keep every exported method of every type in berth, Kubernetes' API types
// included: the executable was 40 % larger, and so was what a run maps. Variables are still
// expanded by buildkit's shell package. TestScanDockerfileAgrees and FuzzScanDockerfile hold
// this reader to buildkit's parser on the instructions berth uses.

// dfInstruction is one Dockerfile instruction berth reads: FROM, ARG, ENV or EXPOSE.
type dfInstruction struct {
	cmd   string   // lower case
	flags []string // --platform=... and the like
	// words are the instruction's arguments as buildkit's parser splits them: for ENV, name
	// and value alternate; for ENV --unset, they are the names to remove.
	words []string
	// unset is ENV --unset (a BuildKit labs flag): words are names, not name-value pairs.
	unset bool
}

// dfFile is what berth takes from a Dockerfile: its escape token and instructions.
type dfFile struct {
	escape       rune
	instructions []dfInstruction
}

// maxDockerfileLine is the longest line buildkit's parser accepts.
const maxDockerfileLine = 64*1024 - 1

var dfDirective = lazyRegexp(`^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`)

// dfScanner walks a Dockerfile's lines as buildkit's parser does: parser directives, comments,
// line continuations (skipping comment and blank lines inside them) and heredoc bodies.
type dfScanner struct {
	lines      [][]byte
	next       int
	escape     rune
	directives bool // still reading parser directives
	seen       map[string]bool
}

// scanDockerfile reads src; the error says why buildkit's parser would reject it.
func scanDockerfile(src []byte) (*dfFile, error) {
	s := &dfScanner{lines: splitLines(src), escape: '\\', directives: true, seen: map[string]bool{}}
	if len(s.lines) > 0 {
		s.lines[0] = bytes.TrimPrefix(s.lines[0], []byte("\xef\xbb\xbf"))
	}
	f := &dfFile{}
	any := false
	for s.next < len(s.lines) {
		line, ok, err := s.instruction()
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		any = true
		in, err := s.parse(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", s.next, err)
		}
		if in != nil {
			f.instructions = append(f.instructions, *in)
		}
	}
	if !any {
		return nil, errors.New("file with no instructions")
	}
	f.escape = s.escape
	return f, nil
}

// splitLines splits at newlines; the last line needs none.
func splitLines(src []byte) [][]byte {
	var out [][]byte
	for len(src) > 0 {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			out = append(out, src)
			break
		}
		out = append(out, src[:i+1])
		src = src[i+1:]
	}
	return out
}

// instruction joins the next instruction's physical lines; ok is false for a comment or blank line.
func (s *dfScanner) instruction() (string, bool, error) {
	raw := s.lines[s.next]
	s.next++
	line, err := s.process(raw, true)
	if err != nil {
		return "", false, err
	}
	line, end := s.trimContinuation(line)
	if end && len(line) == 0 {
		return "", false, nil
	}
	var buf bytes.Buffer
	buf.Write(line)
	for !end && s.next < len(s.lines) {
		raw := s.lines[s.next]
		s.next++
		line, err := s.process(raw, false)
		if err != nil {
			return "", false, err
		}
		if isDfComment(raw) || len(bytes.TrimLeftFunc(line, unicode.IsSpace)) == 0 {
			continue
		}
		line, end = s.trimContinuation(line)
		buf.Write(line)
	}
	return buf.String(), true, nil
}

// process trims the newline (and leading space at an instruction's start), reads a parser
// directive while they are allowed, and drops a comment line.
func (s *dfScanner) process(raw []byte, trimLeft bool) ([]byte, error) {
	if len(raw) > maxDockerfileLine+1 || (len(raw) > maxDockerfileLine && raw[len(raw)-1] != '\n') {
		return nil, fmt.Errorf("dockerfile line greater than max allowed size of %d", maxDockerfileLine)
	}
	line := bytes.TrimRight(raw, "\r\n")
	if trimLeft {
		line = bytes.TrimLeftFunc(line, unicode.IsSpace)
	}
	if err := s.directive(line); err != nil {
		return nil, err
	}
	if isDfComment(line) {
		return nil, nil
	}
	return line, nil
}

// directive reads "# escape=`" and its kin; the first other line ends the directives.
func (s *dfScanner) directive(line []byte) error {
	if !s.directives {
		return nil
	}
	m := dfDirective().FindSubmatch(line)
	if m == nil {
		s.directives = false
		return nil
	}
	key := strings.ToLower(string(m[1]))
	switch key {
	case "syntax", "check", "escape":
	default:
		s.directives = false
		return nil
	}
	if s.seen[key] {
		return fmt.Errorf("only one %s parser directive can be used", key)
	}
	s.seen[key] = true
	if key == "escape" {
		v := string(m[2])
		if v != "`" && v != `\` {
			return fmt.Errorf("invalid escape token '%s' does not match ` or \\", v)
		}
		s.escape = rune(v[0])
	}
	return nil
}

// trimContinuation removes a trailing escape token (and the blanks after it) that continues the
// line on the next one, unless it is itself escaped.
func (s *dfScanner) trimContinuation(line []byte) ([]byte, bool) {
	t := bytes.TrimRight(line, " \t")
	e := byte(s.escape)
	if len(t) == 0 || t[len(t)-1] != e {
		return line, true
	}
	if len(t) >= 2 && t[len(t)-2] == e {
		return line, true
	}
	return t[:len(t)-1], false
}

func isDfComment(line []byte) bool {
	line = bytes.TrimLeftFunc(line, unicode.IsSpace)
	return len(line) > 0 && line[0] == '#'
}
