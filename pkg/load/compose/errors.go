package compose

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/pkg/diag"
	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

func optionsError(err error, dir string) error {
	if m := envReadError(err.Error()); m != nil {
		dir, _ = filepath.Abs(dir) // "" is the working directory
		return envSyntaxError(err, m, newFileSet(dir).display)
	}
	return userErr(diag.Pos{}, "", "", err, "compose options: %v", err)
}

// envReadError matches compose-go's dotenv error "failed to read PATH: CAUSE" (not the
// loader's "failed to read file \"PATH\"").
func envReadError(msg string) []string {
	if strings.HasPrefix(msg, `failed to read file "`) {
		return nil
	}
	return reEnvSyntax().FindStringSubmatch(msg)
}

// envSyntaxError places compose-go's error for an env file it cannot read (the .env file or
// an env_file) at the file's line, without the text compose-go quotes: it may be a secret.
func envSyntaxError(err error, m []string, display func(string) string) error {
	pos := diag.Pos{File: display(m[1])}
	var req *template.MissingRequiredError
	if errors.As(err, &req) {
		// the project's env file interpolates a ${VAR?} that is not set
		if p, ok := lineMatching(m[1], requiredVar(req.Variable), display); ok {
			pos = p
		}
		return userErr(pos, "", "", err, "%s", requiredVarMessage(req))
	}
	msg := m[2]
	if l := reEnvLine().FindStringSubmatch(msg); l != nil {
		pos.Line, _ = strconv.Atoi(l[1])
		msg = l[2]
	}
	switch {
	case strings.HasPrefix(msg, "unterminated quoted value"):
		msg = "unterminated quoted value"
	case strings.HasPrefix(msg, "unexpected character"):
		if c := reEnvChar().FindStringSubmatch(msg); c != nil {
			msg = "unexpected character " + c[1] + " in a variable name"
		}
	case strings.HasPrefix(msg, "Invalid template"):
		msg = "a value has an invalid ${...} substitution"
	}
	return userErr(pos, "", "", err, "invalid env file: %s", msg)
}

func noComposeFile(po *cli.ProjectOptions) error {
	dir, _ := po.GetWorkingDir()
	return diag.Errorf(diag.Pos{File: dir}, "", "", "no compose file found here or in any parent directory (looked for %s); use -f",
		strings.Join(cli.DefaultFileNames, ", "))
}

// userErr is a positioned error with a message written for users that still wraps cause.
func userErr(pos diag.Pos, service, field string, cause error, format string, args ...any) error {
	return &diag.Err{
		Diagnostic: diag.Diagnostic{Severity: diag.Error, Pos: pos, Service: service, Field: field, Message: fmt.Sprintf(format, args...)},
		Cause:      cause,
	}
}

// explainer positions a compose-go load error. compose-go's messages carry a field path at
// best; the position comes from the YAML nodes of the same files.
type explainer struct {
	err   error
	fs    *fileSet
	files []string
	// envFiles are the project's env files (.env or --env-file), which compose-go also
	// interpolates.
	envFiles []string
	expand   func(string) string
	idx      *index
}

var (
	reValidating  = lazyRegexp(`^validating (.+?): (.*)$`)
	reInterpolate = lazyRegexp(`^error while interpolating (\S+): (.*)$`)
	reDepends     = lazyRegexp(`^service "([^"]+)" depends on undefined service "([^"]+)"`)
	reUndefined   = lazyRegexp(`^service "([^"]+)" refers to undefined (volume|network|secret|config|build secret) (\S+?)(:|$)`)
	reNoImage     = lazyRegexp(`^service "([^"]+)" has neither an image nor a build context`)
	reCycle       = lazyRegexp(`^dependency cycle detected: (.*)$`)
	reEnvFile     = lazyRegexp(`^env file (.+?) not found`)
	reNoFile      = lazyRegexp(`^open (.+?): no such file or directory`)
	reDecode      = lazyRegexp(`(?s)^decoding failed due to the following error\(s\):\s*'([^']+)' (.*)$`)
	reBracket     = lazyRegexp(`\[([^\]]+)\]`)
	reServicePath = lazyRegexp(`(?s)^(services\.[^\s:]+): (.*)$`)
	reNetMode     = lazyRegexp("^service (\\S+) declares mutually exclusive `network_mode` and `networks`")
	reExtendsTo   = lazyRegexp(`^cannot extend service "([^"]+)" in (.+?): service "([^"]+)" not found`)
	reCircular    = lazyRegexp(`(?m)^\s+(?:extends )?(\S+) in `)
	reEnvSyntax   = lazyRegexp(`(?s)^failed to read (.+?): (.*)$`)
	reEnvLine     = lazyRegexp(`(?s)^line (\d+): (.*)$`)
	reEnvChar     = lazyRegexp(`^unexpected character ("(?:[^"\\]|\\.)*")`)
	reDupKey      = lazyRegexp(`line (\d+): mapping key ("(?:[^"\\]|\\.)*") already defined at line (\d+)`)
	reParseFile   = lazyRegexp(`(?s)^failed to parse (.+?): yaml: (?:construct errors:\s*)?(.*)$`)
)

// explain turns a compose-go load error into one positioned diagnostic.
func explain(err error, fs *fileSet, files, envFiles []string, lookup func(string) (string, bool), reload func() (*types.Project, error)) error {
	var de *diag.Err
	if errors.As(err, &de) {
		return err
	}
	for _, f := range files {
		yf := fs.get(f)
		var pe *iofs.PathError
		switch {
		case errors.Is(yf.err, iofs.ErrNotExist):
			return userErr(diag.Pos{File: yf.name}, "", "", err, "%s does not exist", yf.name)
		case errors.As(yf.err, &pe):
			return userErr(diag.Pos{File: yf.name}, "", "", err, "cannot read %s: %v", yf.name, pe.Err)
		case yf.err != nil:
			pos, msg := yamlErrorPos(yf.name, yf.err)
			return userErr(pos, "", "", err, "invalid YAML: %s", msg)
		}
	}
	x := &explainer{err: err, fs: fs, files: files, envFiles: envFiles, expand: expander(lookup)}
	x.idx = buildIndex(fs, files, x.expand)
	if x.idx.err != nil {
		return x.idx.err
	}
	if isConsistency(err) {
		if p, rerr := reload(); rerr == nil {
			if cerr := x.consistency(p); cerr != nil {
				return cerr
			}
		}
	}
	return x.explain()
}

func (x *explainer) explain() error {
	msg := strings.TrimSpace(x.err.Error())
	var req *template.MissingRequiredError
	if errors.As(x.err, &req) {
		return x.missingVar(req)
	}
	if m := envReadError(msg); m != nil {
		return envSyntaxError(x.err, m, x.fs.display)
	}
	if m := reParseFile().FindStringSubmatch(msg); m != nil {
		// A YAML error compose-go found and berth's parse did not (duplicate keys, an anchor
		// of another file). compose-go finds a duplicate key itself and says so in text only
		// ("line 4: mapping key ..."): its line, and the key's column from berth's parse.
		// Anything else is go-yaml's, read from its structured error.
		first, _, _ := strings.Cut(m[2], "\n")
		if d := reDupKey().FindStringSubmatch(first); d != nil {
			line, _ := strconv.Atoi(d[1])
			key, _ := strconv.Unquote(d[2])
			pos := diag.Pos{File: x.fs.display(m[1]), Line: line, Column: keyColumn(x.fs.get(m[1]), line, key)}
			return userErr(pos, "", "", x.err, "invalid YAML: mapping key %s already defined at line %s", d[2], d[3])
		}
		pos, text := yamlErrorPos(x.fs.display(m[1]), x.err)
		if pos.Line == 0 {
			text = strings.TrimSpace(first)
		}
		return userErr(pos, "", "", x.err, "invalid YAML: %s", text)
	}
	if msg == "empty compose file" {
		return userErr(diag.Pos{File: x.fs.display(x.files[0])}, "", "", x.err, "the file is empty: a compose file needs a services section")
	}
	if m := reValidating().FindStringSubmatch(msg); m != nil {
		return x.schema(m[2])
	}
	if m := reInterpolate().FindStringSubmatch(msg); m != nil {
		return x.atPath(composePath(m[1]), x.rewordCast(m[2]))
	}
	if m := reDepends().FindStringSubmatch(msg); m != nil {
		return x.at("services."+m[1]+".depends_on."+m[2], "depends on %q, which is not a service in this project", m[2])
	}
	if m := reUndefined().FindStringSubmatch(msg); m != nil {
		return x.undefined(m[1], m[2], m[3])
	}
	if m := reNoImage().FindStringSubmatch(msg); m != nil {
		return x.at("services."+m[1], "needs an image or a build section")
	}
	if m := reCycle().FindStringSubmatch(msg); m != nil {
		chain := strings.Split(m[1], " -> ")
		if len(chain) >= 2 {
			return x.at("services."+chain[0]+".depends_on."+chain[1], "depends_on cycle: %s", m[1])
		}
	}
	if m := reEnvFile().FindStringSubmatch(msg); m != nil {
		// compose-go resolves services in map order: report the first missing file in input order.
		const format = "env file %s does not exist (mark it required: false if it is optional)"
		if path, pos, abs := x.firstMissingEnvFile(); path != "" {
			return userErr(pos, x.idx.serviceOf(path), path, x.err, format, x.fs.display(abs))
		}
		return x.missingFile(m[1], format)
	}
	if m := reNoFile().FindStringSubmatch(msg); m != nil {
		return x.missingFile(m[1], "%s does not exist")
	}
	if err := x.structural(msg); err != nil {
		return err
	}
	if m := reDecode().FindStringSubmatch(msg); m != nil {
		return x.atPath(decodePath(m[1]), strings.TrimPrefix(m[2], "time: "))
	}
	if strings.HasPrefix(msg, "healthcheck.test must start") {
		return x.badHealthcheck()
	}
	// compose-go's port parser names neither file nor field: find the item it rejects.
	if err := x.badPort(msg); err != nil {
		return err
	}
	return userErr(diag.Pos{File: x.fs.display(x.files[0])}, "", "", x.err, "%s", strings.TrimSuffix(msg, ": invalid compose project"))
}

// structural explains errors about extends, include and conflicting service fields.
func (x *explainer) structural(msg string) error {
	msg = strings.TrimSuffix(msg, ": invalid compose project")
	switch {
	case strings.HasPrefix(msg, "Circular reference:"):
		var chain []string
		for _, m := range reCircular().FindAllStringSubmatch(msg, -1) {
			chain = append(chain, m[1])
		}
		if len(chain) > 1 {
			chain = x.rotate(chain[:len(chain)-1])
			return x.at("services."+chain[0]+".extends", "extends cycle: %s -> %s", strings.Join(chain, " -> "), chain[0])
		}
	case strings.HasPrefix(msg, "include cycle detected:"):
		var files []string
		for _, l := range strings.Split(msg, "\n")[1:] {
			files = append(files, x.fs.display(strings.TrimPrefix(strings.TrimSpace(l), "include ")))
		}
		return x.at("include", "include cycle: %s", strings.Join(files, " includes "))
	}
	if m := reExtendsTo().FindStringSubmatch(msg); m != nil {
		return x.at("services."+m[1]+".extends", "extends service %q, which %s does not define", m[3], x.fs.display(m[2]))
	}
	if m := reNetMode().FindStringSubmatch(msg); m != nil {
		return x.at("services."+m[1]+".network_mode", "network_mode and networks cannot both be set")
	}
	if m := reServicePath().FindStringSubmatch(msg); m != nil {
		return x.at(composePath(m[1]), "%s", m[2])
	}
	return nil
}

// keyColumn is the column of mapping key key on line of f (0 if not found). The walk does not
// follow aliases: it visits each node of the checked documents once.
func keyColumn(f *yamlFile, line int, key string) int {
	stack := append([]*yaml.Node{}, f.docs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 && c.Line == line && c.Value == key {
				return c.Column
			}
			stack = append(stack, c)
		}
	}
	return 0
}

// rotate starts a cycle of services at the one written first (compose-go finds cycles from a
// random service).
func (x *explainer) rotate(cycle []string) []string {
	order := map[string]int{}
	for i, s := range x.idx.root.get(".services").kidsOrNil() {
		order[s.seg[1:]] = i
	}
	first := 0
	for i, s := range cycle {
		if order[s] < order[cycle[first]] {
			first = i
		}
	}
	return append(append([]string{}, cycle[first:]...), cycle[:first]...)
}

// at is an error at an index path.
func (x *explainer) at(path, format string, args ...any) error {
	return userErr(x.idx.at(path), x.idx.serviceOf(path), path, x.err, format, args...)
}

func (x *explainer) atPath(path, msg string) error {
	return x.at(path, "%s", msg)
}

// composePath turns compose-go's paths (services.web.ports.1, or [] for any item) into
// berth's field paths (services.web.ports[1]).
func composePath(p string) string {
	p = strings.TrimSuffix(strings.ReplaceAll(p, ".[]", ""), "[]")
	parts := strings.Split(p, ".")
	var b strings.Builder
	for i, s := range parts {
		if _, err := strconv.Atoi(s); err == nil && i > 1 {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func (x *explainer) rewordCast(msg string) string {
	if rest, ok := strings.CutPrefix(msg, "failed to cast to expected type: "); ok {
		switch {
		case strings.HasPrefix(rest, "invalid boolean"):
			return "must be true or false, not " + strconv.Quote(strings.TrimPrefix(rest, "invalid boolean: "))
		case strings.Contains(rest, "strconv.Parse"):
			return "must be a number: " + rest
		}
		return rest
	}
	return msg
}

// missingVar finds the first ${VAR:?...} or ${VAR?...} in the input.
func (x *explainer) missingVar(req *template.MissingRequiredError) error {
	re := requiredVar(req.Variable)
	path, pos := findScalar(x.idx.root, func(v string) bool { return re.MatchString(v) })
	service := x.idx.serviceOf(path)
	if pos.File == "" {
		// not in a compose file: compose-go interpolates env files too
		service, path, pos = x.inEnvFiles(re)
	}
	return userErr(pos, service, path, x.err, "%s", requiredVarMessage(req))
}

// inEnvFiles finds the first line matching re in the services' env_file files (in input order,
// with the service and field) and then in the project's env files. Nothing found: the first
// compose file, unpositioned within it.
func (x *explainer) inEnvFiles(re *regexp.Regexp) (service, field string, pos diag.Pos) {
	found := false
	x.eachEnvFile(func(e envFileEntry) bool {
		if e.file == "" {
			return false
		}
		pos, found = lineMatching(x.resolve(e.file, e.item.pos.File), re, x.fs.display)
		field = e.field
		return found
	})
	if found {
		return x.idx.serviceOf(field), field, pos
	}
	for _, f := range x.envFiles {
		if p, ok := lineMatching(f, re, x.fs.display); ok {
			return "", "", p
		}
	}
	return "", "", diag.Pos{File: x.fs.display(x.files[0])}
}

// resolve is the path of file as fileExists finds it: from the project directory, else from
// the directory of the file that wrote it.
func (x *explainer) resolve(p, writtenIn string) string {
	p = x.expand(p)
	if filepath.IsAbs(p) {
		return p
	}
	for _, dir := range []string{x.fs.dir, filepath.Dir(filepath.Join(x.fs.dir, writtenIn))} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return filepath.Join(dir, p)
		}
	}
	return filepath.Join(x.fs.dir, p)
}

// lineMatching returns the position (line, byte column) of re's first match in file.
func lineMatching(file string, re *regexp.Regexp, display func(string) string) (diag.Pos, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return diag.Pos{}, false
	}
	for i, line := range strings.Split(string(data), "\n") {
		if loc := re.FindStringIndex(line); loc != nil {
			return diag.Pos{File: display(file), Line: i + 1, Column: loc[0] + 1}, true
		}
	}
	return diag.Pos{}, false
}

// requiredVar matches the first ${VAR:?...} or ${VAR?...} of a variable.
func requiredVar(name string) *regexp.Regexp {
	return regexp.MustCompile(`\$\{` + regexp.QuoteMeta(name) + `:?\?`)
}

// requiredVarMessage is the words for a required variable that is not set.
func requiredVarMessage(req *template.MissingRequiredError) string {
	if req.Reason != "" {
		return fmt.Sprintf("required variable %s is not set: %s", req.Variable, req.Reason)
	}
	return fmt.Sprintf("required variable %s is not set", req.Variable)
}

// findScalar returns the path and position of the first scalar (in input order) matching ok.
func findScalar(root *inode, ok func(string) bool) (string, diag.Pos) {
	var found string
	var at diag.Pos
	var rec func(n *inode, path string) bool
	rec = func(n *inode, path string) bool {
		if n.node != nil && n.node.Kind == yaml.ScalarNode && ok(n.node.Value) {
			found, at = path, n.pos
			return true
		}
		for _, c := range n.kids {
			p := path + c.seg
			if path == "" {
				p = c.seg[1:]
			}
			if rec(c, p) {
				return true
			}
		}
		return false
	}
	rec(root, "")
	return found, at
}

func (x *explainer) undefined(service, kind, name string) error {
	list := map[string]string{"volume": "volumes", "network": "networks", "secret": "secrets", "config": "configs", "build secret": "build.secrets"}[kind]
	f := x.idx.serviceField(service) + "." + list
	if p := f + "." + name; x.idx.has(p) {
		f = p
	} else if n := x.idx.service(service).get("." + list); n != nil {
		for _, k := range n.kids {
			if v := k.node; v != nil && strings.Contains(nodeText(v), name) {
				f += k.seg
				break
			}
		}
	}
	return x.at(f, "%s %q is not defined in the top-level %s section", kind, name, list)
}

// nodeText is a scalar's value, or a mapping's source/target values, for matching.
func nodeText(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return ""
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	var parts []string
	for _, k := range []string{"source", "target", "path", "file"} {
		if v := mapGet(n, k); v != nil {
			parts = append(parts, v.Value)
		}
	}
	return strings.Join(parts, " ")
}

// missingFile points at the field naming a file that does not exist.
func (x *explainer) missingFile(abs, format string) error {
	base := filepath.Base(abs)
	path, pos := findScalar(x.idx.root, func(v string) bool {
		v = x.expand(v)
		return filepath.Base(v) == base && (filepath.IsAbs(v) && v == abs || !filepath.IsAbs(v) && strings.HasSuffix(abs, filepath.Clean(v)))
	})
	shown := x.fs.display(abs)
	if path == "" {
		return userErr(diag.Pos{File: x.fs.display(x.files[0])}, "", "", x.err, format, shown)
	}
	return userErr(pos, x.idx.serviceOf(path), path, x.err, format, shown)
}

// firstMissingEnvFile returns the first required env_file entry (in input order) whose file
// does not exist, with its resolved path.
func (x *explainer) firstMissingEnvFile() (string, diag.Pos, string) {
	var missing envFileEntry
	if !x.eachEnvFile(func(e envFileEntry) bool {
		missing = e
		return e.file != "" && e.required && !x.fileExists(e.file, e.item.pos.File)
	}) {
		return "", diag.Pos{}, ""
	}
	abs := x.expand(missing.file)
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(x.fs.dir, abs)
	}
	return missing.field, missing.item.pos, abs
}

// envFileEntry is one env_file entry of a service: its path and required flag as written, the
// field that names it (services.web.env_file or services.web.env_file[1]) and its node.
type envFileEntry struct {
	file     string
	required bool
	field    string
	item     *inode
}

// eachEnvFile calls fn for every env_file entry in input order until fn returns true, and says
// whether one did.
func (x *explainer) eachEnvFile(fn func(envFileEntry) bool) bool {
	for _, s := range x.idx.root.get(".services").kidsOrNil() {
		ef := s.get(".env_file")
		if ef == nil {
			continue
		}
		items := ef.kids
		if len(items) == 0 {
			items = []*inode{ef} // env_file: one string
		}
		for _, it := range items {
			e := envFileEntry{item: it, field: "services" + s.seg + ".env_file"}
			if it != ef {
				e.field += it.seg
			}
			e.file, e.required = envFileRef(it.node)
			if fn(e) {
				return true
			}
		}
	}
	return false
}

// fileExists says whether a relative path exists from the project directory, or from the
// directory of the file that wrote it (included projects resolve from their own directory).
func (x *explainer) fileExists(p, writtenIn string) bool {
	_, err := os.Stat(x.resolve(p, writtenIn))
	return err == nil
}

// envFileRef reads an env_file item: a path, or {path, required}.
func envFileRef(n *yaml.Node) (string, bool) {
	n = deref(n)
	switch {
	case n == nil:
		return "", false
	case n.Kind == yaml.ScalarNode:
		return n.Value, true
	case n.Kind == yaml.MappingNode:
		p := mapGet(n, "path")
		if p == nil {
			return "", false
		}
		r := mapGet(n, "required")
		return p.Value, r == nil || r.Value != "false"
	}
	return "", false
}

// badPort finds the port item compose-go could not parse.
func (x *explainer) badPort(msg string) error {
	for _, s := range x.idx.root.get(".services").kidsOrNil() {
		ports := s.get(".ports")
		if ports == nil {
			continue
		}
		for _, p := range ports.kids {
			if v := deref(p.node); v != nil && v.Kind == yaml.ScalarNode {
				if _, err := types.ParsePortConfig(x.expand(v.Value)); err != nil {
					path := "services" + s.seg + ".ports" + p.seg
					return userErr(p.pos, s.seg[1:], path, x.err, "invalid port %q: %s", v.Value, lowerFirst(err.Error()))
				}
			}
		}
	}
	return nil
}

// decodePath turns mapstructure's services[web].stop_grace_period into a field path.
func decodePath(p string) string {
	return reBracket().ReplaceAllStringFunc(p, func(s string) string {
		inner := s[1 : len(s)-1]
		if _, err := strconv.Atoi(inner); err == nil {
			return s
		}
		return "." + inner
	})
}

// badHealthcheck finds a healthcheck.test list whose first item is not CMD, CMD-SHELL or NONE.
func (x *explainer) badHealthcheck() error {
	for _, s := range x.idx.root.get(".services").kidsOrNil() {
		t := s.get(".healthcheck").get(".test")
		if t == nil || t.node == nil || t.node.Kind != yaml.SequenceNode || len(t.node.Content) == 0 {
			continue
		}
		switch first := deref(t.node.Content[0]); {
		case first == nil:
		case first.Value != "CMD" && first.Value != "CMD-SHELL" && first.Value != "NONE":
			path := "services" + s.seg + ".healthcheck.test"
			return userErr(t.pos, s.seg[1:], path, x.err,
				"a test list must start with CMD, CMD-SHELL or NONE, not %q (or write the command as one string)", first.Value)
		}
	}
	return x.at("services", "%s", x.err.Error())
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
