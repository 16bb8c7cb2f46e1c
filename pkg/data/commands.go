package data

import (
	"fmt"
	"strings"
)

// HelperImage is the default image of the pods that copy files into a claim and of the
// container that reads a volume on the old side: it needs sh, tar, find, stat, sha256sum and
// readlink (busybox has them).
const HelperImage = "busybox:1.36"

// Word is how a command names a value: "$VAR" (expanded by the shell in the container) when
// the value is secret, else the value quoted for the shell.
func Word(value, envVar string) string {
	if envVar != "" {
		return `"$` + envVar + `"`
	}
	return Quote(value)
}

// Exec returns the prefix that runs a command in service svc's container on the old side
// (e.g. "docker compose exec -T db "), passing the named variables of the caller's
// environment into it.
type Exec func(svc string, env ...string) string

// DumpCommand is the shell command that dumps s in its container on the old side, writing the
// dump to stdout; the caller redirects it into a file. pre are lines to run first (e.g.
// reading a password into the environment without echoing it).
func DumpCommand(ex Exec, s Store) (pre []string, cmd string) {
	exec := ex(s.Service)
	switch s.Engine {
	case Postgres:
		if s.UserVar != "" || s.DBVar != "" {
			return nil, exec + shC(fmt.Sprintf("exec pg_dump -U %s -d %s -Fc", Word(s.User, s.UserVar), Word(s.DB, s.DBVar)))
		}
		return nil, fmt.Sprintf("%spg_dump -U %s -d %s -Fc", exec, Quote(s.User), Quote(s.DB))
	case MySQL:
		// --no-tablespaces: a user other than root lacks the PROCESS privilege MySQL 8 asks for
		// to dump tablespaces (NDB's only; an InnoDB dump loses nothing)
		return nil, exec + shC(mysqlAuth+` exec "$(command -v mariadb-dump || echo mysqldump)" --single-transaction --routines --triggers --no-tablespaces -u"$u" `+mysqlDatabases(s))
	case Redis:
		switch {
		case s.PasswordVar != "" && s.PasswordVarOld:
			return nil, exec + shC(`export REDISCLI_AUTH="$`+s.PasswordVar+`"; `+rdbToStdout)
		case s.PasswordVar != "":
			// the old container does not have the variable: the user types the password
			// once, unechoed, into the environment docker passes on (-e NAME)
			return []string{"read -rs REDISCLI_AUTH && export REDISCLI_AUTH   # type the Redis password (requirepass), not echoed"},
				ex(s.Service, "REDISCLI_AUTH") + shC(rdbToStdout)
		}
		return nil, exec + shC(rdbToStdout)
	case Mongo:
		return nil, exec + shC(mongoTool("mongodump", " --archive"+mongoDB(s)))
	}
	return nil, ""
}

// rdbToStdout takes an RDB snapshot of the running Redis over the replication protocol
// (redis-cli --rdb, whatever the server's persistence settings) into a file of the container's
// /tmp and writes it to stdout: redis-cli before 7.0 cannot write it to stdout itself.
const rdbToStdout = `f=/tmp/berth-dump.rdb; redis-cli --rdb "$f" >&2 && cat "$f" && rm -f "$f"`

// shC is the command that runs script with sh -c, quoted once as a whole: the names inside it
// (Word, Quote) may carry quotes of their own.
func shC(script string) string { return "sh -c " + Quote(script) }

// mongoTool is the script that runs a MongoDB database tool (tool, then args) as the root user
// the official image creates, when the container has one (MONGO_INITDB_ROOT_USERNAME or its
// _FILE variant). The password reaches the tool in a --config file that only the container's
// user can read (mktemp; database tools 100.3.0 and later read a password there), never on its
// command line, where every process on the node could read it; an older tool is refused. The
// file holds the password as a YAML literal block, which takes every character as it is.
func mongoTool(tool, args string) string {
	return `u="${MONGO_INITDB_ROOT_USERNAME:-$(cat "${MONGO_INITDB_ROOT_USERNAME_FILE:-/dev/null}" 2>/dev/null)}"; ` +
		`[ -n "$u" ] || exec ` + tool + args + `; ` +
		tool + ` --help 2>&1 | grep -q -e --config || { echo "berth: this ` + tool + ` has no --config (MongoDB database tools before 100.3.0); berth never puts a password on a command line" >&2; exit 1; }; ` +
		`c=$(mktemp) && trap "rm -f \"$c\"" EXIT && ` +
		`printf "password: |2-\n  %s\n" "${MONGO_INITDB_ROOT_PASSWORD:-$(cat "${MONGO_INITDB_ROOT_PASSWORD_FILE:-/dev/null}" 2>/dev/null)}" >"$c" && ` +
		tool + args + ` --authenticationDatabase admin --username "$u" --config "$c"`
}

// mysqlAuth chooses the account the MySQL and MariaDB clients log in as and passes its
// password in MYSQL_PWD, never on the command line: root with the password the official
// images set up, from their variables or the files their _FILE variants name; when the
// container has no root password to read (MYSQL_RANDOM_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH,
// Akaunting's and LibreNMS's databases) and does not allow an empty one, the user the image
// creates (MYSQL_USER/MARIADB_USER and its password), which owns the database. The clients run
// by their MariaDB names where the image has them (MariaDB 11 images have no mysql or
// mysqldump), else by the MySQL ones; -u"$u" takes the chosen account.
const mysqlAuth = `u=root; p="${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-$(cat "${MYSQL_ROOT_PASSWORD_FILE:-${MARIADB_ROOT_PASSWORD_FILE:-/dev/null}}" 2>/dev/null)}}"; ` +
	`if [ -z "$p" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD}" ]; then ` +
	`v="${MYSQL_USER:-${MARIADB_USER:-$(cat "${MYSQL_USER_FILE:-${MARIADB_USER_FILE:-/dev/null}}" 2>/dev/null)}}"; ` +
	`[ -z "$v" ] || { u="$v"; p="${MYSQL_PASSWORD:-${MARIADB_PASSWORD:-$(cat "${MYSQL_PASSWORD_FILE:-${MARIADB_PASSWORD_FILE:-/dev/null}}" 2>/dev/null)}}"; }; fi; ` +
	`export MYSQL_PWD="$p";`

func mysqlDatabases(s Store) string {
	if s.DB == "" && s.DBVar == "" {
		return "--all-databases"
	}
	return "--databases " + Word(s.DB, s.DBVar)
}

func mongoDB(s Store) string {
	if s.DB == "" && s.DBVar == "" {
		return ""
	}
	return " --db " + Word(s.DB, s.DBVar)
}

// RestoreScript is the shell script that restores a dump of the given kind (see Sniff) read
// from stdin into s, run in the store's container. Credentials come from the container's
// environment, never from the command line. port is the store's port (0: the default).
func RestoreScript(s Store, kind string, port int) (string, error) {
	switch s.Engine {
	case Postgres:
		auth := `export PGPASSWORD="${POSTGRES_PASSWORD:-$(cat "${POSTGRES_PASSWORD_FILE:-/dev/null}" 2>/dev/null)}"; `
		who := fmt.Sprintf("-U %s -d %s", Word(s.User, s.UserVar), Word(s.DB, s.DBVar))
		if strings.Contains(kind, "plain-SQL") {
			return auth + "exec psql -v ON_ERROR_STOP=1 --single-transaction -q " + who, nil
		}
		return auth + "exec pg_restore " + who + " --clean --if-exists --no-owner --single-transaction --exit-on-error", nil
	case MySQL:
		db := ""
		if s.DB != "" || s.DBVar != "" {
			db = " " + Word(s.DB, s.DBVar)
		}
		return mysqlAuth + ` exec "$(command -v mariadb || echo mysql)" -u"$u"` + db, nil
	case Mongo:
		return mongoTool("mongorestore", " --archive --drop"), nil
	case Redis:
		return redisRestore(s, port), nil
	}
	return "", fmt.Errorf("service %s is not a known data store", s.Service)
}

// redisRestore loads a dump into a running Redis whatever its persistence: a second
// redis-server in the same container loads the file on a local port, the store replicates
// from it (a full sync replaces its data set, and an append-only store rewrites its AOF from
// it), then stops replicating and saves. The second server reads the dump as its
// append-only file, which takes all three forms a user may bring: an RDB (Redis reads an AOF
// that begins with "REDIS" as an RDB preamble), an AOF with an RDB preamble (Redis 4+'s
// default; Redis 7's appendonlydir base and incr files, concatenated), and a plain AOF. Read
// as an RDB, a preamble AOF would lose every command after its preamble without a word.
func redisRestore(s Store, port int) string {
	if port == 0 {
		port = 6379
	}
	auth := "unset REDISCLI_AUTH; "
	if s.PasswordVar != "" {
		auth = fmt.Sprintf(`export REDISCLI_AUTH="$%s"; `, s.PasswordVar)
	}
	cli := fmt.Sprintf("redis-cli -p %d", port)
	tmp := 16379 // the port of the server that loads the RDB
	if port == tmp {
		tmp++
	}
	tcli := fmt.Sprintf("REDISCLI_AUTH= redis-cli -p %d", tmp)
	return "set -e; " + auth + `d=$(mktemp -d); trap '` + tcli + ` SHUTDOWN NOSAVE >/dev/null 2>&1; rm -rf "$d"' EXIT; ` +
		`nap='sleep 1'; sleep 0.1 2>/dev/null && nap='sleep 0.1'; cat > "$d/appendonly.aof"; ` +
		fmt.Sprintf(`redis-server --port %d --bind 127.0.0.1 --dir "$d" --appendonly yes --appendfilename appendonly.aof --dbfilename none.rdb --save '' --repl-diskless-sync-delay 0 --daemonize yes --logfile "$d/log" --pidfile "$d/pid"; `, tmp) +
		`i=0; until [ "$(` + tcli + ` PING 2>/dev/null)" = PONG ]; do i=$((i+1)); [ $i -lt 3000 ] || { cat "$d/log" >&2; echo "the dump did not load" >&2; exit 1; }; $nap; done; ` +
		cli + fmt.Sprintf(` REPLICAOF 127.0.0.1 %d >/dev/null; `, tmp) +
		`i=0; until ` + cli + ` INFO replication | tr -d '\r' | grep -q '^master_link_status:up'; do i=$((i+1)); [ $i -lt 6000 ] || { echo "the store did not sync from the RDB" >&2; exit 1; }; $nap; done; ` +
		cli + ` REPLICAOF NO ONE >/dev/null; ` +
		`i=0; while ` + cli + ` INFO persistence | tr -d '\r' | grep -q '^aof_rewrite_in_progress:1'; do i=$((i+1)); [ $i -lt 6000 ] || exit 1; $nap; done; ` +
		`if ` + cli + ` INFO persistence | tr -d '\r' | grep -q '^aof_enabled:0'; then ` + cli + ` SAVE >/dev/null; fi; ` +
		`echo "keys: $(` + cli + ` DBSIZE)"`
}
