package compose

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"go.yaml.in/yaml/v4"
)

// index knows the source position of every field path of the loaded project, and the merged
// input tree the positions come from. It is built once, in time linear in the input size.
type index struct {
	root   *inode
	pos    map[string]diag.Pos
	fields []diag.Field
	// err is the first file beyond berth's limits (yamlFile.refused), not walked.
	err error
}

// buildIndex walks the main files in load order; each file's includes come before it and each
// service's extends base before the service, as compose-go merges them.
func buildIndex(fs *fileSet, mainFiles []string, expand func(string) string) *index {
	w := &walker{fs: fs, root: &inode{}, expand: expand}
	seen := map[string]bool{}
	for _, f := range mainFiles {
		w.walkFile(w.file(f), fs.dir, seen, 0)
	}
	if w.err != nil {
		return &index{root: &inode{}, pos: map[string]diag.Pos{}, err: w.err}
	}
	pos, fields := flatten(w.root)
	return &index{root: w.root, pos: pos, fields: fields}
}

// at returns the position of path, or of its nearest parent that has one.
func (x *index) at(path string) diag.Pos {
	for p := path; p != ""; p = parentPath(p) {
		if pos, ok := x.pos[p]; ok {
			return pos
		}
	}
	return diag.Pos{}
}

// has says whether path itself was written in the input.
func (x *index) has(path string) bool {
	_, ok := x.pos[path]
	return ok
}

// node returns the merged input node at services.<svc>, or jobs.<svc> for a job (nil if absent).
func (x *index) service(name string) *inode {
	if n := x.root.get(".services").get("." + name); n != nil {
		return n
	}
	return x.root.get(".jobs").get("." + name)
}

// serviceField is the input path of service (or job) name: services.<name> or jobs.<name>.
func (x *index) serviceField(name string) string {
	if x.root.get(".services").get("."+name) == nil && x.root.get(".jobs").get("."+name) != nil {
		return "jobs." + name
	}
	return "services." + name
}

func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return p[:i]
		}
	}
	return ""
}

// file parses the file at abs (cached) and keeps the first refusal (yamlFile.refused).
func (w *walker) file(abs string) *yamlFile {
	f := w.fs.get(abs)
	if err := f.refused(); err != nil && w.err == nil {
		w.err = err
	}
	return f
}

func (w *walker) walkFile(f *yamlFile, baseDir string, seen map[string]bool, depth int) {
	if f == nil || f.err != nil || seen[f.abs] || depth > 32 {
		return
	}
	seen[f.abs] = true
	defer delete(seen, f.abs)
	for _, doc := range f.docs {
		w.walkIncludes(f, doc, baseDir, seen, depth)
		w.walkDoc(f, doc, depth)
	}
}

// walkIncludes walks the files of the include section (short and long syntax).
func (w *walker) walkIncludes(f *yamlFile, doc *yaml.Node, baseDir string, seen map[string]bool, depth int) {
	inc := mapGet(doc, "include")
	if inc == nil || inc.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range inc.Content {
		item = deref(item)
		if item == nil {
			continue
		}
		var paths []string
		projectDir := ""
		switch item.Kind {
		case yaml.ScalarNode:
			paths = []string{item.Value}
		case yaml.MappingNode:
			p := mapGet(item, "path")
			if p != nil && p.Kind == yaml.ScalarNode {
				paths = []string{p.Value}
			} else if p != nil && p.Kind == yaml.SequenceNode {
				for _, e := range p.Content {
					if e = deref(e); e != nil && e.Kind == yaml.ScalarNode {
						paths = append(paths, e.Value)
					}
				}
			}
			if d := mapGet(item, "project_directory"); d != nil && d.Kind == yaml.ScalarNode {
				projectDir = w.resolve(baseDir, d.Value)
			}
		}
		for i, p := range paths {
			abs := w.resolve(baseDir, p)
			dir := filepath.Dir(abs)
			if projectDir != "" {
				dir = projectDir
			} else if i > 0 {
				dir = w.resolve(baseDir, filepath.Dir(paths[0]))
			}
			w.walkFile(w.file(abs), dir, seen, depth+1)
		}
	}
}

func (w *walker) resolve(baseDir, p string) string {
	p = w.expand(p)
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(baseDir, p)
	}
	return filepath.Clean(p)
}

func (w *walker) walkDoc(f *yamlFile, doc *yaml.Node, depth int) {
	if doc == nil || doc.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		n := w.root.child("." + k.Value)
		if k.Value != "services" {
			if dv := deref(v); dv != nil && dv.Tag == "!reset" {
				w.root.remove("." + k.Value)
				continue
			}
			w.walk(f, k, v, n, k.Value, false)
			continue
		}
		n.pos = nodePos(f.name, k)
		svcs := deref(v)
		if svcs == nil || svcs.Kind != yaml.MappingNode {
			w.walk(f, k, v, n, k.Value, false)
			continue
		}
		for j := 0; j+1 < len(svcs.Content); j += 2 {
			sk, sv := svcs.Content[j], svcs.Content[j+1]
			if dv := deref(sv); dv != nil && dv.Tag == "!reset" {
				n.remove("." + sk.Value)
				continue
			}
			w.walkService(f, sk, sv, n.child("."+sk.Value), depth)
		}
	}
}

// walkService walks the extends base of a service first, then the service itself.
func (w *walker) walkService(f *yamlFile, key, val *yaml.Node, n *inode, depth int) {
	if depth > 32 {
		return
	}
	if ext := mapGet(val, "extends"); ext != nil {
		baseFile, baseName := f, ""
		switch ext.Kind {
		case yaml.ScalarNode:
			baseName = ext.Value
		case yaml.MappingNode:
			if s := mapGet(ext, "service"); s != nil {
				baseName = s.Value
			}
			if file := mapGet(ext, "file"); file != nil && file.Kind == yaml.ScalarNode {
				abs := w.resolve(filepath.Dir(f.abs), file.Value)
				if _, err := os.Stat(abs); err != nil {
					abs = w.resolve(w.fs.dir, file.Value)
				}
				baseFile = w.file(abs)
			}
		}
		if base := findService(baseFile, baseName); base != nil {
			w.walkService(baseFile, key, base, n, depth+1)
		}
	}
	w.walk(f, key, val, n, "", false)
}

// findService returns the node of service name in f (the last document defining it).
func findService(f *yamlFile, name string) *yaml.Node {
	if f == nil || name == "" {
		return nil
	}
	var found *yaml.Node
	for _, doc := range f.docs {
		if s := mapGet(mapGet(doc, "services"), name); s != nil {
			found = s
		}
	}
	return found
}
