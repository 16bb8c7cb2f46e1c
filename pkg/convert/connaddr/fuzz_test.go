package connaddr

import (
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/hostile"
)

// The fuzz target of the address scan (scripts/fuzz.sh runs it; plain `go test` runs its
// seeds). Run it with:
//
//	go test ./pkg/convert/connaddr -run '^$' -fuzz FuzzConnAddr -fuzztime 2m

// FuzzConnAddr: the address scan never panics, finds only hosts and ports that stand in the
// value, never reports a URL's password as a host, and is deterministic.
func FuzzConnAddr(f *testing.F) {
	for _, s := range []string{"postgres://app:s3cretPW@db:5432/app", "redis://cache", "PLAINTEXT://kafka:9092,SSL://kafka2:9093",
		"mysql://u:p@tcp(db:3306)/x", "http://[::1]:8080/x", "Host=db;Port=5432;Password=x", "kafka:9092", "12:30:00",
		"user:5432pass", "amqp://guest:guest@mq", "-h db -p 5432", "ws://a:99999", "x://@:0", "a:1,b:2;c:3"} {
		f.Add(s, "app", "pw12345678", "db", uint16(5432))
	}
	f.Fuzz(func(t *testing.T, value, user, pass, host string, port uint16) {
		check := func(v string) []Addr {
			got := In(v)
			again := In(v)
			if len(got) != len(again) {
				t.Fatalf("In(%q) not deterministic: %v then %v", v, got, again)
			}
			lower := strings.ToLower(v)
			seen := map[Addr]bool{}
			for i, a := range got {
				if a != again[i] {
					t.Fatalf("In(%q) not deterministic: %v then %v", v, got, again)
				}
				if a.Host == "" || !strings.Contains(lower, strings.ToLower(a.Host)) {
					t.Fatalf("In(%q): host %q does not stand in the value", v, a.Host)
				}
				if a.Port < 0 || a.Port > 65535 {
					t.Fatalf("In(%q): port %d", v, a.Port)
				}
				if seen[a] {
					t.Fatalf("In(%q): %v twice", v, a)
				}
				seen[a] = true
			}
			return got
		}
		check(value)
		for _, argv := range ShellCommands(value) {
			InArgs(argv)
		}
		// A URL with a password: the password is never reported as (part of) a host.
		if !hostile.PlainWord(pass) || len(pass) < 6 || !hostile.PlainWord(user) || !hostile.PlainWord(host) || port == 0 {
			return
		}
		url := value + " postgres://" + user + ":" + pass + "@" + host + ":" + strconv.Itoa(int(port)) + "/db"
		if strings.Count(url, pass) != 1 {
			return // the password also stands elsewhere, as itself
		}
		for _, a := range check(url) {
			if strings.Contains(a.Host, pass) {
				t.Fatalf("In(%q): the password is reported as host %q", url, a.Host)
			}
		}
	})
}
