package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The README's example is examples/readme/compose.yaml, shown verbatim, and what the README
// says berth makes of it is what berth makes of it.
func TestReadmeExample(t *testing.T) {
	root := filepath.Join("..", "..")
	compose, err := os.ReadFile(filepath.Join(root, "examples", "readme", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(compose), "\n") // the file's first line is a comment
	if !strings.Contains(string(readme), "```yaml\n"+body+"```") {
		t.Error("README.md does not show examples/readme/compose.yaml verbatim")
	}

	out, stderr, err := runBerth(t, "convert", "-f", filepath.Join(root, "examples", "readme", "compose.yaml"), "--stdout")
	if err != nil {
		t.Fatalf("convert: %v\n%s", err, stderr)
	}
	type object struct {
		Kind     string
		Metadata struct{ Name string }
		Spec     map[string]any
		Data     map[string]string
	}
	objs := map[string]object{}
	var raw []string
	for _, doc := range strings.Split(out, "\n---\n") {
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		objs[o.Kind+"/"+o.Metadata.Name] = o
		raw = append(raw, doc)
	}
	for _, want := range []string{"Deployment/web", "Ingress/web", "Deployment/api", "StatefulSet/db", "Service/api", "Service/db"} {
		if _, ok := objs[want]; !ok {
			t.Errorf("no %s", want)
		}
	}
	for _, svc := range []string{"api", "db"} {
		if typ := objs["Service/"+svc].Spec["type"]; typ != "ClusterIP" {
			t.Errorf("Service %s is %v, want ClusterIP", svc, typ)
		}
	}
	for _, doc := range raw {
		if strings.Contains(doc, "change-me-4f9a") {
			t.Errorf("the password appears in plain text:\n%s", doc)
		}
	}
	secretURL := false
	for _, o := range objs {
		if o.Kind == "Secret" && o.Data["DATABASE_URL"] != "" {
			secretURL = true
		}
		if o.Kind == "ConfigMap" && o.Data["DATABASE_URL"] != "" {
			t.Errorf("DATABASE_URL in ConfigMap %s", o.Metadata.Name)
		}
	}
	if !secretURL {
		t.Error("DATABASE_URL is in no Secret")
	}
	api := objDoc(raw, "kind: Deployment", "name: api")
	if !strings.Contains(api, "initContainers:") || !strings.Contains(api, "value: db") {
		t.Errorf("api does not wait for db:\n%s", api)
	}
	db := objDoc(raw, "kind: StatefulSet", "name: db")
	for _, want := range []string{"value: /var/lib/postgresql/data/pgdata", "readinessProbe:", "livenessProbe:", "volumeClaimTemplates:"} {
		if !strings.Contains(db, want) {
			t.Errorf("db StatefulSet lacks %q", want)
		}
	}
}

// objDoc is the first of docs containing all of wants, "" if none.
func objDoc(docs []string, wants ...string) string {
	if i := first(docs, wants...); i >= 0 {
		return docs[i]
	}
	return ""
}

// The README is a front page (what berth does, install, the commands, one example, links):
// about 120 lines, none over 120 characters; the flag reference is docs/cli.md.
func TestReadmeIsAFrontPage(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(readme), "\n"), "\n")
	if len(lines) > 130 {
		t.Errorf("README.md has %d lines, want about 120 (move details to docs/)", len(lines))
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("README.md:%d: %d characters, want at most 120", i+1, n)
		}
	}
}
