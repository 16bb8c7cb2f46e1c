package compose

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/berth-dev/berth/pkg/load/yamlcheck"
	"go.yaml.in/yaml/v4"
)

// yamlLimits bound every walk of a file's nodes with aliases expanded (the index, position
// lookups): nesting, the bytes of all field paths the index holds, and the text compose-go's
// decoding copies. Alias expansion itself is bounded by go-yaml's own rule, which compose-go
// meets when it decodes the same file.
var yamlLimits = yamlcheck.Limits{MaxDepth: 1000, MaxPathBytes: 64 << 20, MaxTextBytes: 32 << 20}

// yamlFile is one Compose file parsed into YAML nodes. The nodes are used only to find source
// positions (compose-go drops them); all semantics come from compose-go. go.yaml.in/yaml/v4 is
// the parser compose-go itself uses, so both see the same documents, tags and anchors.
type yamlFile struct {
	// abs is the absolute path; name is what diagnostics show (relative to the project dir).
	abs  string
	name string
	// docs are the mapping nodes at the root of each document.
	docs []*yaml.Node
	// err is the parse error, if the file could not be parsed, or a *yamlcheck.Error if it
	// is beyond the limits (then docs is empty: nothing may walk it).
	err error
}

// fileSet parses each file once and names files relative to the project directory.
type fileSet struct {
	dir   string
	files map[string]*yamlFile
}

func newFileSet(dir string) *fileSet {
	return &fileSet{dir: dir, files: map[string]*yamlFile{}}
}

// get parses the file at abs (cached). A file that cannot be read or parsed has err set.
func (fs *fileSet) get(abs string) *yamlFile {
	if f, ok := fs.files[abs]; ok {
		return f
	}
	f := &yamlFile{abs: abs, name: fs.display(abs)}
	fs.files[abs] = f
	if fi, err := os.Stat(abs); err == nil {
		if f.err = yamlcheck.CheckSize(fi.Size()); f.err != nil {
			return f
		}
	}
	data, err := os.ReadFile(abs)
	if err == nil {
		err = yamlcheck.CheckSize(int64(len(data)))
	}
	if err != nil {
		f.err = err
		return f
	}
	f.docs, f.err = parseDocs(data)
	var ce *yamlcheck.Error
	if errors.As(f.err, &ce) {
		f.docs = nil
	}
	return f
}

// refused returns the error naming the position where f is beyond berth's limits, or nil.
func (f *yamlFile) refused() error {
	var ce *yamlcheck.Error
	if f == nil || !errors.As(f.err, &ce) {
		return nil
	}
	pos := diag.Pos{File: f.name, Line: ce.Line, Column: ce.Column}
	return userErr(pos, "", "", f.err, "%s", ce.Msg)
}

// display returns path relative to the project directory when it is inside it.
func (fs *fileSet) display(path string) string {
	if fs.dir != "" {
		if rel, err := filepath.Rel(fs.dir, path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return path
}

func parseDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, atMark(data, err)
		}
		if err := yamlcheck.Check(&n, yamlLimits); err != nil {
			return nil, err
		}
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			docs = append(docs, n.Content[0])
		}
	}
}

// yamlError is a go-yaml error placed at a line and column of its file.
type yamlError struct {
	line, col int
	msg       string
}

func (e *yamlError) Error() string { return e.msg }

// atMark places go-yaml's error err in data: its reader's errors name only a byte offset,
// counted here into a line and a column (in runes, as go-yaml counts columns).
func atMark(data []byte, err error) error {
	mark, msg, ok := yamlcheck.LoadErrorAt(err)
	if !ok {
		return err
	}
	if mark.Line > 0 {
		return &yamlError{line: mark.Line, col: mark.Column, msg: msg}
	}
	off := int(min(mark.Offset, int64(len(data))))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return &yamlError{line: bytes.Count(data[:start], []byte("\n")) + 1, col: utf8.RuneCount(data[start:off]) + 1, msg: msg}
}

// yamlErrorPos is the position and message of a YAML error of file: one atMark placed, or
// one go-yaml placed itself (a line and column); else the file alone.
func yamlErrorPos(file string, err error) (diag.Pos, string) {
	var ye *yamlError
	if errors.As(err, &ye) {
		return diag.Pos{File: file, Line: ye.line, Column: ye.col}, ye.msg
	}
	if mark, msg, ok := yamlcheck.LoadErrorAt(err); ok && mark.Line > 0 {
		return diag.Pos{File: file, Line: mark.Line, Column: mark.Column}, msg
	}
	return diag.Pos{File: file}, strings.TrimPrefix(err.Error(), "yaml: ")
}

// mapGet returns the value node of key in mapping node m (following aliases), or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// deref follows alias nodes (bounded, so a malformed tree cannot loop).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}
