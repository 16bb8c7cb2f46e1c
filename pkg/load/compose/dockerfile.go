package compose

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/berth-dev/berth/pkg/model"
)

// builtStage is the Dockerfile stage svc's build section makes: the stage build.target names,
// else the last one, with what it inherits from earlier stages (FROM <stage>). Variables are
// expanded with the stage's ARG defaults overridden by build.args, and ENV. Only a Dockerfile
// inside the project directory is read (after symlink resolution); nil when there is none berth
// can read. The string says why a Dockerfile that is there cannot be used.
func (m *mapper) builtStage(svc types.ServiceConfig) (*stage, string) {
	b := svc.Build
	src := m.dockerfileSource(b)
	if src == nil {
		return nil, ""
	}
	res, err := scanDockerfile(src)
	if err != nil {
		return nil, "its Dockerfile does not parse: " + err.Error()
	}
	args := map[string]string{}
	for k, v := range b.Args {
		if v != nil {
			args[k] = *v
		}
	}
	st := exposeStages(res, args)
	if st == nil {
		return nil, "its Dockerfile has no FROM"
	}
	target := st.last
	if b.Target != "" {
		if target = st.byName[strings.ToLower(b.Target)]; target == nil {
			return nil, "its Dockerfile has no stage " + strconv.Quote(b.Target)
		}
	}
	return target, ""
}

// stagePorts are the ports a built stage EXPOSEs; their Field is the build section's.
func stagePorts(st *stage, field string) []model.Port {
	var out []model.Port
	for _, e := range st.expose {
		spec, proto, _ := strings.Cut(e, "/")
		lo, hi, err := portRange(spec)
		if err != nil {
			continue // docker build would reject it; nothing berth can use
		}
		for p := lo; p <= hi; p++ {
			out = append(out, model.Port{Target: p, Protocol: protocol(proto), Source: model.FromDockerfile, Field: field})
		}
	}
	return out
}

// dockerfileSource is the Dockerfile's text, or nil when there is none berth may read: a
// remote build context, a missing file, one outside the project directory or over 1 MiB.
func (m *mapper) dockerfileSource(b *types.BuildConfig) []byte {
	if b.DockerfileInline != "" {
		return []byte(b.DockerfileInline)
	}
	if b.Context == "" || strings.Contains(b.Context, "://") || strings.HasPrefix(b.Context, "git@") {
		return nil
	}
	name := b.Dockerfile
	if name == "" {
		name = "Dockerfile"
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.Context, name)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil || !within(m.projectDir, real) {
		return nil
	}
	if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, err := readSmall(real)
	if err != nil {
		return nil
	}
	return data
}

// stage is one Dockerfile build stage: its environment and EXPOSEd ports so far, and the
// image it starts from (through earlier stages: FROM <stage> has its stage's base).
type stage struct {
	env    map[string]string
	expose []string
	base   string
}

type stages struct {
	byName map[string]*stage
	last   *stage
}

// exposeStages walks the instructions and records each stage's EXPOSE words, expanded.
func exposeStages(res *dfFile, buildArgs map[string]string) *stages {
	st := &stages{byName: map[string]*stage{}}
	global := map[string]string{} // ARGs before the first FROM
	lex := shell.NewLex(res.escape)
	var cur *stage
	for _, in := range res.instructions {
		words := in.words
		switch in.cmd {
		case "from":
			cur = fromStage(st, words, global, lex)
		case "arg":
			target := global
			if cur != nil {
				target = cur.env
			}
			for _, w := range words {
				k, v, _ := strings.Cut(w, "=")
				if bv, ok := buildArgs[k]; ok {
					v = bv
				} else if gv, ok := global[k]; ok && cur != nil && !strings.Contains(w, "=") {
					v = gv // ARG NAME in a stage re-imports the global default
				}
				target[k] = expand(lex, v, target)
			}
		case "env":
			if cur != nil && in.unset {
				for _, w := range words {
					name, _, _ := strings.Cut(w, "=") // a value is BuildKit's error; the name is what goes
					delete(cur.env, name)
				}
			} else if cur != nil {
				for i := 0; i+1 < len(words); i += 2 {
					cur.env[words[i]] = expand(lex, words[i+1], cur.env)
				}
			}
		case "expose":
			if cur != nil {
				for _, w := range words {
					cur.expose = append(cur.expose, strings.Fields(expand(lex, w, cur.env))...)
				}
			}
		}
	}
	if cur == nil {
		return nil
	}
	st.last = cur
	return st
}

// fromStage starts a stage; FROM <earlier stage> inherits its environment and ports.
func fromStage(st *stages, words []string, global map[string]string, lex *shell.Lex) *stage {
	cur := &stage{env: map[string]string{}}
	var base, name string
	for i := 0; i < len(words); i++ {
		switch {
		case strings.HasPrefix(words[i], "--"):
		case base == "":
			base = expand(lex, words[i], global)
		case strings.EqualFold(words[i], "as") && i+1 < len(words):
			name = strings.ToLower(words[i+1])
			i++
		}
	}
	cur.base = base
	if parent := st.byName[strings.ToLower(base)]; parent != nil {
		for k, v := range parent.env {
			cur.env[k] = v
		}
		cur.expose = append(cur.expose, parent.expose...)
		cur.base = parent.base
	}
	if name != "" {
		st.byName[name] = cur
	}
	st.last = cur
	return cur
}

// expand substitutes variables the way the Dockerfile does; on error the word stays as is.
func expand(lex *shell.Lex, word string, env map[string]string) string {
	kv := make([]string, 0, len(env))
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	out, _, err := lex.ProcessWord(word, shell.EnvsFromSlice(kv))
	if err != nil {
		return word
	}
	return out
}
