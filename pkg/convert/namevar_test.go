package convert_test

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/convert"
	"github.com/berth-dev/berth/pkg/diag"
)

// A name that is not a DNS label and that the input wrote as a Compose variable
// (${CHAT_HOST:-chat.example.internal}): where berth cannot rewrite a reference, the advice is
// precisely "set CHAT_HOST=chat" when the reference reads the variable too, and the edit of the
// value when it names the host literally.
func TestNameVarAdvice(t *testing.T) {
	res := convertFiles(t, map[string]string{"compose.yaml": `
name: chatapp
services:
  chat:
    image: acme/chat:1.0.0
    hostname: ${CHAT_HOST:-chat.example.internal}
    expose: ["8080"]
  web:
    image: acme/web:1.0.0
    command: ["--chat", "http://${CHAT_HOST:-chat.example.internal}:8080/"]
  cli:
    image: acme/cli:1.0.0
    command: ["--chat", "http://chat.example.internal:8080/"]
  bot:
    image: acme/bot:1.0.0
    networks:
      default:
        aliases: ["${BOT_ALIAS:-bot.local}", "bot-${SUFFIX:-x}.local"]
    expose: ["9000"]
`}, convert.Options{})
	// one warning for the address, at its first dialer, with the fix of each
	want := map[string]string{
		"services.cli.command": "set CHAT_HOST=chat (in .env or the environment): ${CHAT_HOST} names both the hostname of chat " +
			"and the address in services.web.command; use the host name chat in services.cli.command",
		"services.chat.hostname": `hostname "chat.example.internal" is not a DNS label: set to "chat-example-internal"; it comes from ${CHAT_HOST}: ` +
			"set CHAT_HOST=chat (in .env or the environment)",
	}
	got := map[string]string{}
	var bot []string
	for _, d := range res.Diagnostics {
		if d.Severity != diag.Warning {
			continue
		}
		got[d.Field] = d.Message
		if d.Service == "bot" {
			bot = append(bot, d.Message)
		}
	}
	for field, w := range want {
		if !strings.Contains(got[field], w) {
			t.Errorf("%s: warning %q, want it to contain %q", field, got[field], w)
		}
	}
	var whole, partial bool
	for _, m := range bot {
		whole = whole || strings.Contains(m, `alias "bot.local"`) && strings.Contains(m, "set BOT_ALIAS=bot")
		partial = partial || strings.Contains(m, `alias "bot-x.local"`) && !strings.Contains(m, "set SUFFIX")
	}
	if !whole || !partial {
		t.Errorf("bot warnings %q: want set BOT_ALIAS=bot for the alias written as ${BOT_ALIAS:-...}, and no variable advice for bot-${SUFFIX}.local", bot)
	}
}
