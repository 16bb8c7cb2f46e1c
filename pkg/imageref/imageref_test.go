package imageref

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/berth-dev/berth/internal/golden"
	"github.com/berth-dev/berth/pkg/model"
)

func appIn(dir string) *model.App {
	return &model.App{Dir: dir, Services: []*model.Service{{Name: "web", Containers: []model.Container{{
		Build: &model.Build{Field: "services.web.build", Context: filepath.Join(dir, "web")},
	}}}}}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	golden.WriteFile(t, path, []byte(data))
}

// Outside git: sha- and a digest that follows the context's content.
func TestDefaultTagContent(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "web", "Dockerfile"), "FROM scratch\n")
	ctx := context.Background()
	a, err := DefaultTag(ctx, appIn(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sha-[0-9a-f]{12}$`).MatchString(a) {
		t.Fatalf("tag %q, want sha-<12 hex>", a)
	}
	if b, _ := DefaultTag(ctx, appIn(dir)); b != a {
		t.Errorf("same input, tags %q and %q", a, b)
	}
	// the same project elsewhere: the same tag
	other := t.TempDir()
	write(t, filepath.Join(other, "web", "Dockerfile"), "FROM scratch\n")
	if b, _ := DefaultTag(ctx, appIn(other)); b != a {
		t.Errorf("the same project in another directory: tag %q, want %q", b, a)
	}
	write(t, filepath.Join(dir, "web", "main.txt"), "x")
	if c, _ := DefaultTag(ctx, appIn(dir)); c == a {
		t.Errorf("a new file in the context left the tag at %q", a)
	}
}

// In a git work tree: the short commit, -dirty once the tree changes.
func TestDefaultTagGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "web", "Dockerfile"), "FROM scratch\n")
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "x")
	head := git("rev-parse", "--short=12", "HEAD")
	ctx := context.Background()
	tag, err := DefaultTag(ctx, appIn(dir))
	if err != nil || tag+"\n" != head {
		t.Fatalf("tag %q (%v), want %q", tag, err, head)
	}
	write(t, filepath.Join(dir, "web", "main.txt"), "x")
	if tag, _ := DefaultTag(ctx, appIn(dir)); tag+"\n" != head[:len(head)-1]+"-dirty\n" {
		t.Errorf("dirty tree: tag %q, want %s-dirty", tag, head[:len(head)-1])
	}
}
