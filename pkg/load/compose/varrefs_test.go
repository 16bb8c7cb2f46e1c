package compose

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/pkg/model"
	"github.com/google/go-cmp/cmp"
)

func TestWholeVar(t *testing.T) {
	for in, want := range map[string]string{
		"${CHAT_HOST:-chat.example.internal}": "CHAT_HOST",
		"${CHAT_HOST-chat}":                   "CHAT_HOST",
		"${HOST}":                             "HOST",
		"$HOST":                               "HOST",
		"${HOST:?set it}":                     "HOST",
		"chat-${SUFFIX}":                      "",
		"${A}${B}":                            "",
		"$$HOST":                              "",
		"plain":                               "",
	} {
		if got := wholeVar(in); got != want {
			t.Errorf("wholeVar(%q) = %q, want %q", in, got, want)
		}
	}
	if got := refsIn("$${ESCAPED} ${A:-x} $B ${A}"); !cmp.Equal(got, []string{"A", "B"}) {
		t.Errorf("refsIn = %v, want [A B] ($$ escapes a dollar)", got)
	}
}

// TestNameVarsAndVarRefs: the loader records which DNS names of a service the input wrote as one
// variable, and which values reference variables at all.
func TestNameVarsAndVarRefs(t *testing.T) {
	proj := t.TempDir()
	write(t, filepath.Join(proj, "compose.yaml"), `services:
  chat:
    image: acme/chat:1.0.0
    hostname: ${CHAT_HOST:-chat.example.internal}
    container_name: chat_${SUFFIX:-main}
  web:
    image: acme/web:1.0.0
    command: ["--chat", "http://${CHAT_HOST:-chat.example.internal}:8080/"]
    links: ["chat:${CHAT_ALIAS:-talk.local}"]
`)
	app, err := Load(context.Background(), Options{WorkingDir: proj, Environ: []string{"PWD=/"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := app.Service("chat").NameVars, []model.KV{{Key: "chat.example.internal", Value: "CHAT_HOST"}, {Key: "talk.local", Value: "CHAT_ALIAS"}}; !cmp.Equal(got, want) {
		t.Errorf("chat NameVars = %v, want %v (container_name chat_${SUFFIX} is not one reference)", got, want)
	}
	want := []model.VarRef{
		{Field: "services.chat.container_name", Var: "SUFFIX"},
		{Field: "services.chat.hostname", Var: "CHAT_HOST", Whole: true},
		{Field: "services.web.command[1]", Var: "CHAT_HOST"},
		{Field: "services.web.links[0]", Var: "CHAT_ALIAS"},
	}
	if diff := cmp.Diff(want, app.VarRefs); diff != "" {
		t.Errorf("VarRefs (-want +got):\n%s", diff)
	}
}
