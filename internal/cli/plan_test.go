package cli

import (
	"github.com/berth-dev/berth/internal/corpus"
	"github.com/berth-dev/berth/internal/golden"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/pkg/plan"
	"github.com/google/go-cmp/cmp"
)

// TestPlanGolden runs `berth plan` on the shop example, the stateful case and the x-berth case
// (a CronJob: applied suspended, resumed) twice and
// compares the runbook with testdata/plan/<case>.md (rewrite with -update and review).
func TestPlanGolden(t *testing.T) {
	cases := map[string][]string{
		"example-shop": {"-f", "../../examples/shop/compose.yaml"},
		"stateful":     {"-f", "testdata/golden/stateful/compose.yaml", "--volume-size", "2Gi"},
		"xberth":       {"-f", "testdata/golden/xberth/compose.yaml"},
		"ecs-schedule": {"-f", "testdata/golden/ecs-schedule/task.json", "--ecs-schedule", "testdata/golden/ecs-schedule/schedule.json"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "plan.md")
			run := func() string {
				_, stderr, err := runBerth(t, append([]string{"plan", "-o", out}, args...)...)
				if err != nil {
					t.Fatalf("berth plan: %v\n%s", err, stderr)
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
			got := run()
			if again := run(); again != got {
				t.Fatalf("two runs differ:\n%s", cmp.Diff(got, again))
			}
			golden.AssertBytes(t, filepath.Join("testdata", "plan", name+".md"), []byte(got))
			for _, cmd := range []string{"berth apply ", "berth down "} {
				found := false
				for _, line := range strings.Split(got, "\n") {
					found = found || strings.Contains(line, cmd) && strings.Contains(line, "--file "+args[1])
				}
				if !found {
					t.Errorf("runbook has no %q line with --file %s", cmd, args[1])
				}
			}
		})
	}
}

// runPlan returns the runbook `berth plan args...` writes.
func runPlan(t *testing.T, args ...string) string {
	t.Helper()
	out, stderr, err := runBerth(t, append([]string{"plan"}, args...)...)
	if err != nil {
		t.Fatalf("berth plan: %v\n%s", err, stderr)
	}
	return out
}

// first is the index of the first line containing all of parts, -1 if none.
func first(lines []string, parts ...string) int {
	for i, l := range lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return i
		}
	}
	return -1
}

func count(lines []string, parts ...string) int {
	n := 0
	for _, l := range lines {
		if first([]string{l}, parts...) == 0 {
			n++
		}
	}
	return n
}

// TestPlanRules holds one test per runbook rule of docs/runbook.md, on testdata/plan/rules
// (every rule's case in one app). Each fails when its rule is broken.
func TestPlanRules(t *testing.T) {
	const file = "testdata/plan/rules/compose.yaml"
	md := runPlan(t, "-f", file)
	sh := plan.Commands(md)
	t.Run("external claims are created", func(t *testing.T) {
		i := first(sh, "kubectl -n rules apply -f -")
		if i < 0 || first(sh[i:], "name: legacy-files") < 0 || first(sh[i:], "kind: PersistentVolumeClaim") < 0 {
			t.Errorf("no command creates the external claim legacy-files:\n%s", md)
		}
		if j := first(sh, "berth apply --only"); j < i {
			t.Errorf("the claim is created after the first apply (line %d, apply at %d)", i, j)
		}
	})
	t.Run("one dump per volume and per store", func(t *testing.T) {
		for _, c := range []struct{ what, part string }{
			{"uploads (3 services mount it)", "uploads.tar"}, {"legacy", "legacy.tar"}, {"db", "db.dump"}, {"cache", "cache.rdb"},
		} {
			if n := count(sh, "> "+c.part); n != 1 {
				t.Errorf("%s: %d dumps, want 1", c.what, n)
			}
			if n := count(sh, "berth data", " "+c.part); n != 1 {
				t.Errorf("%s: %d restores, want 1", c.what, n)
			}
		}
	})
	t.Run("stores are dumped logically, never tar'd", func(t *testing.T) {
		for _, l := range sh {
			if strings.Contains(l, "tar ") && (strings.Contains(l, "pgdata") || strings.Contains(l, "cachedata") || strings.Contains(l, "/var/lib/postgresql")) {
				t.Errorf("a store's volume is copied as files: %s", l)
			}
		}
		if first(sh, "exec -T db pg_dump -U rules -d rules -Fc") < 0 || first(sh, "berth data restore db --dump db.dump") < 0 {
			t.Errorf("db is not dumped with pg_dump and restored with berth data restore:\n%s", md)
		}
	})
	t.Run("the app tier starts after the restore", func(t *testing.T) {
		only, restore, push, full := first(sh, "berth apply --only cache,db "), first(sh, "berth data restore"), first(sh, "berth data push"), first(sh, "berth apply --file")
		if only < 0 || restore < 0 || full < 0 || push < 0 {
			t.Fatalf("missing step (apply --only %d, restore %d, push %d, apply %d):\n%s", only, restore, push, full, md)
		}
		if !(only < restore && restore < full && push < full) {
			t.Errorf("order: apply --only at %d, restore at %d, push at %d, full apply at %d", only, restore, push, full)
		}
		if first(sh[:restore], "berth apply --file") >= 0 {
			t.Error("the whole app is applied before the data is restored")
		}
	})
	t.Run("redis dumps with its password from the environment", func(t *testing.T) {
		if first(sh, `exec -T cache sh -c 'export REDISCLI_AUTH="$REDIS_PASSWORD"; f=/tmp/berth-dump.rdb; redis-cli --rdb "$f" >&2 && cat "$f" && rm -f "$f"' > cache.rdb`) < 0 {
			t.Errorf("the Redis dump does not authenticate through REDISCLI_AUTH:\n%s", md)
		}
		if !strings.Contains(md, "`cache` is append-only") {
			t.Error("the append-only Redis is not called out")
		}
	})
	t.Run("no secret value", func(t *testing.T) {
		for _, pw := range []string{"Db-Secret-Pw-55x", "Redis-Secret-Pw-81y"} {
			if strings.Contains(md, pw) {
				t.Errorf("the runbook holds %q", pw)
			}
		}
	})
	t.Run("every writer is stopped before its volume is copied", func(t *testing.T) {
		copyAt := first(sh, "> uploads.tar")
		for _, svc := range []string{"web", "admin", "thumbs"} {
			stopped := false
			for _, l := range sh[:max(copyAt, 0)] {
				stopped = stopped || strings.Contains(l, " stop ") && strings.Contains(l+" ", " "+svc+" ")
			}
			if !stopped {
				t.Errorf("%s writes uploads but is not stopped before the copy", svc)
			}
		}
		dump := first(sh, "pg_dump")
		if stop := first(sh, " stop ", "web"); stop < 0 || stop > dump {
			t.Errorf("the app tier is stopped after the database dump (stop %d, dump %d)", stop, dump)
		}
	})
	t.Run("no DNS step for local names", func(t *testing.T) {
		dns := md[strings.Index(md, "## 1."):strings.Index(md, "## 2.")]
		sw := md[strings.Index(md, "Switch DNS"):]
		sw = sw[:strings.Index(sw, "\n## ")]
		if strings.Contains(dns, "- `rules.localhost`") || strings.Contains(sw, "rules.localhost") {
			t.Errorf("rules.localhost gets a DNS step:\n%s\n%s", dns, sw)
		}
		if !strings.Contains(sw, "`admin.rules-shop.org` →") {
			t.Errorf("the public host is not switched:\n%s", sw)
		}
	})
	t.Run("https only with TLS", func(t *testing.T) {
		if strings.Contains(md, "https://") {
			t.Errorf("an https check without TLS:\n%s", md)
		}
		tls := runPlan(t, "-f", file, "--tls-secret", "web-tls")
		if !strings.Contains(tls, "curl --resolve admin.rules-shop.org:443:<ingress address> https://admin.rules-shop.org/") {
			t.Errorf("no https check with TLS configured:\n%s", tls)
		}
	})
	t.Run("images built from source come before the first apply", func(t *testing.T) {
		img, apply := strings.Index(md, "| `thumbs` |"), strings.Index(md, "```sh\nberth apply")
		if img < 0 || apply < img || !strings.Contains(md[img:apply], "none yet") {
			t.Errorf("the image built from source (thumbs) is not listed, as not pushed yet, before the first apply (at %d, apply at %d)", img, apply)
		}
	})
	t.Run("every step says how to undo it", func(t *testing.T) {
		steps := strings.Split(md, "\n## ")[1:]
		for _, s := range steps {
			title := s[:strings.Index(s, "\n")]
			if strings.Contains(title, "Rollback") || strings.Contains(title, "Check readiness") || strings.Contains(title, "Resume scheduled jobs") && strings.Contains(s, "no CronJobs") {
				continue
			}
			if !strings.Contains(s, "Undo: ") {
				t.Errorf("step %q has no undo", title)
			}
		}
	})
}

// TestPlanCorpus writes the runbook of every corpus app that moves data (../shared/corpus:
// compose/ and realapps/, every project file, read in place) and compares it with
// testdata/plan/corpus/<source>_<app>.md (rewrite with -update and review); each also has to
// keep the data rules that hold for any app (runbookDataRules).
func TestPlanCorpus(t *testing.T) {
	type app struct{ name, file string }
	var apps []app
	for _, sub := range []string{"compose", "realapps"} {
		dir := corpus.Path(t, sub)
		if !isDir(dir) {
			continue
		}
		for _, f := range corpus.ProjectFiles(t, dir) {
			rel, _ := filepath.Rel(dir, filepath.Dir(f))
			name := filepath.ToSlash(rel)
			if sub == "realapps" {
				name = "realapps/" + name
			}
			if b := filepath.Base(f); !regexp.MustCompile(`^(docker-)?compose\.ya?ml$`).MatchString(b) {
				name += "/" + strings.TrimSuffix(b, filepath.Ext(b))
			}
			apps = append(apps, app{name, f})
		}
	}
	if len(apps) == 0 {
		t.Skip("corpus not present (it lives next to the repository, not in it)")
	}
	moving := 0
	for _, a := range apps {
		t.Run(a.name, func(t *testing.T) {
			// $PWD is the project directory, as for a user who runs docker compose there
			// (else a file such as $PWD/Caddyfile would name this test's directory)
			env := []string{"PWD=" + filepath.Dir(a.file)}
			args := []string{"plan", "-f", a.file}
			ov := corpus.Override(a.file)
			if ov != "" {
				args = append(args, "-f", ov) // as docker compose up loads them
			}
			for _, p := range corpus.Profiles(a.file) {
				args = append(args, "--profile", p) // as the install docs run it
			}
			got, stderr, err := runBerthEnv(t, env, args...)
			if err != nil {
				// a fragment that loads only with other files (an override, an empty extras file)
				t.Skipf("berth plan alone: %v: %s", err, strings.TrimSpace(stderr))
			}
			if !strings.Contains(got, ". Restore the data\n") {
				return // nothing to move: the golden cases above cover those runbooks
			}
			moving++
			if again, _, _ := runBerthEnv(t, env, args...); again != got {
				t.Fatal("two runs differ")
			}
			got = strings.ReplaceAll(got, a.file, "compose.yaml")
			if ov != "" {
				got = strings.ReplaceAll(got, ov, filepath.Base(ov))
			}
			// the runbook names the project's files relative to it: a path of this machine would
			// be wrong on the reader's (and makes the golden pass only where it was written)
			if root := filepath.Dir(filepath.Dir(a.file)); strings.Contains(got, root) {
				t.Errorf("the runbook names a path of this machine (%s)", root)
			}
			runbookDataRules(t, got)
			golden.AssertBytes(t, filepath.Join("testdata", "plan", "corpus", strings.ReplaceAll(a.name, "/", "_")+".md"), []byte(got))
		})
	}
	t.Logf("%d corpus apps, %d of them move data", len(apps), moving)
}

// runbookDataRules checks what holds for the runbook of any app that moves data: every dump
// (a "> FILE" line) is written once and restored once, by berth data restore or push, after
// the data tier is applied alone (berth apply --only) and before the app tier is applied; a
// files volume is copied only after the services are stopped; every claim names the services
// that mount it; every step says how to undo it.
func runbookDataRules(t *testing.T, md string) {
	t.Helper()
	sh := plan.Commands(md)
	only, full := first(sh, "berth apply --only "), -1
	for i, l := range sh {
		if strings.HasPrefix(l, "berth apply ") && !strings.HasPrefix(l, "berth apply --only ") {
			full = i
			break
		}
	}
	if only < 0 || full < only {
		t.Errorf("the data tier is not applied alone before the app tier (apply --only at %d, apply at %d)", only, full)
	}
	lastStop := -1 // of the switch-over window, before anything is applied
	for i, l := range sh[:max(only, 0)] {
		if strings.Contains(l, " stop ") || strings.Contains(l, "--desired-count 0") {
			lastStop = i
		}
	}
	dumped := map[string]int{}
	for i, l := range sh {
		if _, f, ok := strings.Cut(l, " > "); ok {
			dumped[f]++
			if strings.HasSuffix(f, ".tar") && i < lastStop {
				t.Errorf("volume copied before the last stop: %s", l)
			}
		}
	}
	restore := regexp.MustCompile(`^berth data (restore \S+ --dump|push \S+ --from) (\S+)`)
	restored := map[string]int{}
	for i, l := range sh {
		if m := restore.FindStringSubmatch(l); m != nil {
			restored[m[2]]++
			if i < only || i > full {
				t.Errorf("%s runs outside the data tier's window (apply --only at %d, apply at %d, this at %d)", m[2], only, full, i)
			}
		}
	}
	if strings.Contains(md, "| `` |") {
		t.Error("a claim in the claims table names no service")
	}
	if len(dumped) == 0 {
		t.Error("the runbook restores data but dumps none")
	}
	for f, n := range dumped {
		if n != 1 || restored[f] != 1 {
			t.Errorf("%s: written %d times, restored %d times; want once each", f, n, restored[f])
		}
	}
	for f := range restored {
		if dumped[f] == 0 {
			t.Errorf("%s is restored but no step writes it", f)
		}
	}
	for _, s := range strings.Split(md, "\n## ")[1:] {
		title := s[:strings.Index(s, "\n")]
		if strings.Contains(title, "Rollback") || strings.Contains(title, "Check readiness") || strings.Contains(title, "Resume scheduled jobs") && strings.Contains(s, "no CronJobs") ||
			strings.Contains(title, "Switch DNS") && strings.Contains(s, "Nothing to switch") ||
			strings.Contains(title, "lower the DNS TTLs") && strings.Contains(s, "there is no DNS to switch") {
			continue
		}
		if !strings.Contains(s, "Undo: ") {
			t.Errorf("step %q has no undo", title)
		}
	}
}
