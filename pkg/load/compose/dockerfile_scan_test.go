package compose

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// dockerfileCases are Dockerfiles whose reading is easy to get wrong: directives, escapes,
// continuations through comments and blank lines, heredocs that look like instructions, flags,
// quoting, ENV's two forms, ONBUILD, and inputs buildkit rejects.
var dockerfileCases = []string{
	"FROM alpine\nEXPOSE 80\n",
	"\xef\xbb\xbfFROM alpine\nEXPOSE 80 443/udp\n",
	"# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\nEXPOSE 80 `\n  81\nENV A=`\"b\n",
	"  # escape = \\\n\nFROM alpine\n",
	"# escape=x\nFROM alpine\n",
	"# escape=\\\n# escape=`\nFROM alpine\n",
	"# check=skip=all\n# foo=bar\n# escape=`\nFROM a\nEXPOSE 1 \\\n",
	"FROM a\nEXPOSE 80 \\\n# a comment\n\n   \n  8080\nARG X\n",
	"FROM a\nEXPOSE 80 \\\\\nEXPOSE 81\n",
	"FROM a\nEXPOSE 80\\\n",
	"\\\nFROM a\n",
	"FROM --platform=$BUILDPLATFORM golang AS build\nFROM --platform=\"linux/amd64\" -- x\n",
	"FROM a\nENV A=1 B=\"two words\" C='x y' D=a\\ b\n",
	"FROM a\nENV LEGACY value with   spaces\n",
	"FROM a\nENV A\n",
	"FROM a\nENV A=1 B\n",
	"FROM a\nLABEL A\n",
	"FROM a\nARG A=1 B \"C=d e\" 'F'\n",
	"FROM a\nARG\nENV\nEXPOSE\n",
	"FROM a\nRUN <<EOF\nEXPOSE 9999\nEOF\nEXPOSE 80\n",
	"FROM a\nRUN <<-EOT bash\n\tEXPOSE 1\n\tEOT\nEXPOSE 2\n",
	"FROM a\nCOPY <<one <<\"two\" /dst/\nEXPOSE 1\none\nEXPOSE 2\ntwo\nEXPOSE 3\n",
	"FROM a\nRUN [\"sh\", \"-c\", \"<<EOF\"]\nEXPOSE 4\n",
	"FROM a\nRUN <<EOF\nnever ends\n",
	"FROM a\nONBUILD RUN <<EOF\nEXPOSE 5\nEOF\nEXPOSE 6\n",
	"FROM a\nONBUILD ENV X\n",
	"FROM a\nENV --unset A B=c\nENV --unset=false A\nENV --unset=FALSE A=b\nLABEL --unset x\nONBUILD ENV --unset\nENV --unset=no A\n",
	"FROM a\nRUN [1, 2]\n",
	"FROM a\nHEALTHCHECK CMD [1]\n",
	"FROM a\nHEALTHCHECK --interval=5s CMD [\"x\"]\nCMD [\"a\", \"b\"]\n",
	"# only a comment\n\n",
	"",
	"FROM a\r\nEXPOSE 80\r\nENV A=b\r\n",
	"from a as B\nexpose 7\nNOTANINSTRUCTION x y\n",
	"FROM a\nEXPOSE\t80\v81\f82\r83\n",
	"FROM a\nENV A=\"unterminated\nEXPOSE 1\n",
	"FROM a\nARG X=\"a\\\"b\" Y='c\\'\n",
	"FROM a\nRUN echo <<notaheredoc\nEXPOSE 12\n",
	"FROM a\nRUN cat <<'EOF' && cat <<EOF2\nx\nEOF\nEXPOSE 13\nEOF2\nEXPOSE 14\n",
	"FROM a\nEXPOSE 80 \\ \n 81\n",
	"FROM a\nENV A=\u00e9 B=\u2028\nEXPOSE 8\u00e9\n",
	"FROM --x=\xc3\xa9 --\"\" --'q z' a\n",
}

// TestScanDockerfileAgrees: berth's Dockerfile reader gives the instructions, escape token and
// errors buildkit's parser gives, on the cases above and on every Dockerfile in buildkit's own
// module (its parser test files).
func TestScanDockerfileAgrees(t *testing.T) {
	inputs := map[string][]byte{}
	for i, c := range dockerfileCases {
		inputs["case "+string(rune('A'+i))] = []byte(c)
	}
	for name, data := range buildkitDockerfiles(t) {
		inputs[name] = data
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) { compareScan(t, src) })
	}
}

// FuzzScanDockerfile holds the reader to buildkit's parser on any input.
func FuzzScanDockerfile(f *testing.F) {
	for _, c := range dockerfileCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, src []byte) { compareScan(t, src) })
}

func compareScan(t *testing.T, src []byte) {
	t.Helper()
	want, wantErr := buildkitInstructions(src)
	got, err := scanDockerfile(src)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: berth's error %v, buildkit's %v", src, err, wantErr)
	}
	if err != nil {
		return
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(dfFile{}, dfInstruction{}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%q (-buildkit +berth):\n%s", src, diff)
	}
}

// buildkitInstructions is what buildkit's parser makes of src, in berth's shape.
func buildkitInstructions(src []byte) (*dfFile, error) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	f := &dfFile{escape: res.EscapeToken}
	for _, n := range res.AST.Children {
		in := dfInstruction{cmd: strings.ToLower(n.Value), flags: n.Flags}
		in.unset = in.cmd == "env" && hasUnsetFlag(n.Flags)
		switch {
		case in.cmd == "from", in.cmd == "arg", in.cmd == "expose", in.unset:
			for w := n.Next; w != nil; w = w.Next {
				in.words = append(in.words, w.Value)
			}
		case in.cmd == "env": // name, value, separator
			for w := n.Next; w != nil && w.Next != nil; w = w.Next.Next.Next {
				in.words = append(in.words, w.Value, w.Next.Value)
			}
		default:
			continue
		}
		f.instructions = append(f.instructions, in)
	}
	return f, nil
}

// buildkitDockerfiles are the Dockerfiles in the buildkit module berth builds with; none when
// the go command or the module is not at hand.
func buildkitDockerfiles(t *testing.T) map[string][]byte {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/moby/buildkit").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Logf("buildkit module not found (%v): only the built-in cases", err)
		return nil
	}
	files := map[string][]byte{}
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(strings.ToLower(d.Name()), "dockerfile") {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil {
			rel, _ := filepath.Rel(dir, path)
			files[rel] = data
		}
		return nil
	})
	if len(files) == 0 {
		t.Errorf("no Dockerfiles under %s", dir)
	}
	return files
}
