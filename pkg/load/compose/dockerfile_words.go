package compose

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

var (
	dfBlanks  = lazyRegexp(`[\t\v\f\r ]+`)
	dfHeredoc = lazyRegexp(`^(\d*)<<(-?)\s*([^<]*)$`)
)

// parse splits one instruction line into keyword, flags and arguments, skips the heredoc
// bodies that follow it, and keeps it when it is one berth reads.
func (s *dfScanner) parse(line string) (*dfInstruction, error) {
	cmd, flags, args := s.splitCommand(line)
	key := strings.ToLower(cmd)
	words, heredocs, err := s.arguments(key, flags, args)
	if err != nil {
		return nil, err
	}
	if heredocs && strings.Contains(line, "<<") {
		if err := s.skipHeredocs(line); err != nil {
			return nil, err
		}
	}
	switch key {
	case "from", "arg", "env", "expose":
		return &dfInstruction{cmd: key, flags: flags, words: words, unset: unsetForm(key, flags)}, nil
	}
	return nil, nil
}

// unsetForm says whether an instruction is ENV or LABEL in its --unset form.
func unsetForm(key string, flags []string) bool {
	return (key == "env" || key == "label") && hasUnsetFlag(flags)
}

// hasUnsetFlag says whether flags hold --unset, as buildkit's parser reads it: any value but
// "false" (a wrong one is the flag parser's error, not the parser's).
func hasUnsetFlag(flags []string) bool {
	for _, f := range flags {
		if name, value, _ := strings.Cut(f, "="); name == "--unset" {
			return !strings.EqualFold(value, "false")
		}
	}
	return false
}

// arguments splits an instruction's arguments the way buildkit's parser does for its keyword,
// with the same errors; heredocs says whether the instruction may open heredocs.
func (s *dfScanner) arguments(key string, flags []string, args string) ([]string, bool, error) {
	if unsetForm(key, flags) {
		// The --unset form takes a list of names, split as ARG's words are.
		return s.words(args), false, nil
	}
	switch key {
	case "from", "expose":
		return splitBlanks(args), false, nil
	case "arg":
		return s.words(args), false, nil
	case "env", "label":
		words, err := s.nameValues(args, strings.ToUpper(key))
		return words, false, err
	case "run", "copy", "add":
		jsonForm, err := dfJSONForm(args)
		return nil, !jsonForm, err
	case "cmd", "entrypoint", "shell", "volume":
		_, err := dfJSONForm(args)
		return nil, false, err
	case "healthcheck":
		_, err := dfJSONForm(healthcheckCommand(args))
		return nil, false, err
	case "onbuild":
		if args == "" {
			return nil, false, nil
		}
		cmd, subFlags, rest := s.splitCommand(args)
		sub := strings.ToLower(cmd)
		_, heredocs, err := s.arguments(sub, subFlags, rest)
		return nil, heredocs && sub != "onbuild", err
	}
	return nil, false, nil
}

// healthcheckCommand is what follows HEALTHCHECK's first word (its type: CMD or NONE).
func healthcheckCommand(args string) string {
	sep := 0
	for sep < len(args) && !unicode.IsSpace(rune(args[sep])) {
		sep++
	}
	if sep == 0 {
		return ""
	}
	return trimLeftBytes(args[sep:])
}

// trimLeftBytes drops leading bytes that are space as runes of their own value, as buildkit's
// byte-wise scanners do.
func trimLeftBytes(s string) string {
	i := 0
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	return s[i:]
}

// splitCommand is the keyword, the leading --flags and the rest of an instruction.
func (s *dfScanner) splitCommand(line string) (string, []string, string) {
	parts := dfBlanks().Split(strings.TrimSpace(line), 2)
	if len(parts) < 2 {
		return parts[0], nil, ""
	}
	rest, flags := s.flags(parts[1])
	return parts[0], flags, strings.TrimSpace(rest)
}

// flags takes the words starting with "--" off the front of rest (quotes group, the escape
// token escapes, a lone "--" ends them).
func (s *dfScanner) flags(rest string) (string, []string) {
	var flags []string
	for {
		trimmed := trimLeftBytes(rest)
		if !strings.HasPrefix(trimmed, "--") {
			return trimmed, flags
		}
		word, n, quoted := s.flagWord(trimmed)
		rest = trimmed[n:]
		if word == "--" {
			return rest, flags
		}
		if quoted || word != "" {
			flags = append(flags, word)
		}
		if rest == "" {
			return "", flags
		}
	}
}

// flagWord reads one flag word: its unquoted, unescaped text, the bytes it took, and whether it
// had quotes (an empty quoted word still counts).
func (s *dfScanner) flagWord(line string) (string, int, bool) {
	var b strings.Builder
	quote, quoted := byte(0), false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == 0 && unicode.IsSpace(rune(c)):
			return b.String(), i, quoted
		case quote == 0 && (c == '\'' || c == '"'):
			quote, quoted = c, true
			continue
		case quote != 0 && c == quote:
			quote = 0
			continue
		case rune(c) == s.escape:
			if i+1 == len(line) {
				continue
			}
			i++
			c = line[i]
		}
		b.WriteRune(rune(c)) // byte by byte, as buildkit does
	}
	return b.String(), len(line), quoted
}

// splitBlanks splits at runs of blanks; nothing is no words.
func splitBlanks(rest string) []string {
	if rest == "" {
		return nil
	}
	return dfBlanks().Split(rest, -1)
}

// words splits rest at white space outside quotes; quotes and escapes stay in the words.
func (s *dfScanner) words(rest string) []string {
	var out []string
	var b strings.Builder
	inWord, blankOK, quote := false, false, rune(0)
	for i := 0; i < len(rest); {
		ch, w := utf8.DecodeRuneInString(rest[i:])
		i += w
		if quote == 0 && unicode.IsSpace(ch) {
			if inWord && (blankOK || b.Len() > 0) {
				out = append(out, b.String())
			}
			b.Reset()
			inWord, blankOK = false, false
			continue
		}
		inWord = true
		switch {
		case quote == 0 && (ch == '\'' || ch == '"'):
			quote, blankOK = ch, true
		case quote != 0 && ch == quote:
			quote = 0
		}
		if ch == s.escape && (quote == 0 || quote != '\'') {
			if i == len(rest) {
				quote = 0
				continue
			}
			b.WriteRune(ch)
			ch, w = utf8.DecodeRuneInString(rest[i:])
			i += w
		}
		b.WriteRune(ch)
	}
	if inWord && (blankOK || b.Len() > 0) {
		out = append(out, b.String())
	}
	return out
}

// nameValues reads ENV's (and LABEL's) "name=value ..." or legacy "name value" form as
// alternating names and values.
func (s *dfScanner) nameValues(rest, key string) ([]string, error) {
	words := s.words(rest)
	if len(words) == 0 {
		return nil, nil
	}
	if !strings.Contains(words[0], "=") {
		parts := dfBlanks().Split(rest, 2)
		if len(parts) < 2 {
			return nil, fmt.Errorf("%s must have two arguments", key)
		}
		return parts, nil
	}
	out := make([]string, 0, 2*len(words))
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return nil, fmt.Errorf("syntax error - can't find = in %q. Must be of the form: name=value", w)
		}
		out = append(out, k, v)
	}
	return out, nil
}

// dfJSONForm says whether an instruction's arguments are in the exec (JSON array) form; an
// array holding anything but strings is an error, as in buildkit.
func dfJSONForm(args string) (bool, error) {
	args = strings.TrimLeftFunc(args, unicode.IsSpace)
	if !strings.HasPrefix(args, "[") {
		return false, nil
	}
	var arr []any
	if json.Unmarshal([]byte(args), &arr) != nil {
		return false, nil
	}
	for _, v := range arr {
		if _, ok := v.(string); !ok {
			return false, errors.New("when using JSON array syntax, arrays must be comprised of strings only")
		}
	}
	return true, nil
}

// skipHeredocs consumes the bodies of the heredocs ("<<EOF", "<<-EOF") the line opens.
func (s *dfScanner) skipHeredocs(line string) error {
	lex := shell.NewLex('\\')
	lex.RawQuotes, lex.RawEscapes, lex.SkipUnsetEnv = true, true, true
	words, _ := lex.ProcessWords(line, noEnv{})
	for _, w := range words {
		name, chomp, err := heredocName(w)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		if !s.skipTo(name, chomp) {
			return errors.New("unterminated heredoc")
		}
	}
	return nil
}

// heredocName is the terminator a word such as <<EOF or <<-"EOF" opens a heredoc with.
func heredocName(word string) (string, bool, error) {
	m := dfHeredoc().FindStringSubmatch(word)
	if m == nil || m[3] == "" {
		return "", false, nil
	}
	lex := shell.NewLex('\\')
	lex.SkipUnsetEnv = true
	words, err := lex.ProcessWords(m[3], noEnv{})
	if err != nil {
		return "", false, err
	}
	if len(words) != 1 {
		return "", false, nil
	}
	return words[0], m[2] == "-", nil
}

// skipTo consumes lines up to and including the terminator; false when the file ends first.
func (s *dfScanner) skipTo(name string, chomp bool) bool {
	for s.next < len(s.lines) {
		l := strings.TrimRight(string(s.lines[s.next]), "\r\n")
		s.next++
		if chomp {
			l = strings.TrimLeft(l, "\t")
		}
		if l == name {
			return true
		}
	}
	return false
}

// noEnv is an empty environment for the shell lexer.
type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }
