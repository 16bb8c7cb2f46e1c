package plan

import (
	"fmt"

	"github.com/berth-dev/berth/pkg/model"
)

func engineName(e string) string {
	switch e {
	case engPostgres:
		return "PostgreSQL: pg_dump / pg_restore"
	case engMySQL:
		return "MySQL/MariaDB: mysqldump"
	case engRedis:
		return "Redis: RDB file copy"
	case engMongo:
		return "MongoDB: mongodump / mongorestore"
	}
	return "files: copy the volume"
}

// dumpCommands dump s on the old side; exec prefixes a command run in its container.
func dumpCommands(exec string, s stateful, app *model.App) []string {
	name := s.svc.Name
	switch s.engine {
	case engPostgres:
		if s.userVar != "" || s.dbVar != "" {
			return []string{fmt.Sprintf("%ssh -c 'exec pg_dump -U %s -d %s -Fc' > %s.dump", exec, word(s.user, s.userVar), word(s.db, s.dbVar), name)}
		}
		return []string{fmt.Sprintf("%spg_dump -U %s -d %s -Fc > %s.dump", exec, quote(s.user), quote(s.db), name)}
	case engMySQL:
		return []string{fmt.Sprintf(`%ssh -c 'exec mysqldump --single-transaction -uroot -p"$MYSQL_ROOT_PASSWORD" %s' > %s.sql`, exec, dbOrAll(s), name)}
	case engRedis:
		return []string{
			exec + "redis-cli SAVE",
			fmt.Sprintf("%scat /data/dump.rdb > %s.rdb", exec, name),
		}
	case engMongo:
		if s.dbVar != "" {
			return []string{fmt.Sprintf("%ssh -c 'exec mongodump --archive --db %s' > %s.archive", exec, word(s.db, s.dbVar), name)}
		}
		return []string{fmt.Sprintf("%smongodump --archive%s > %s.archive", exec, mongoDB(s.db), name)}
	}
	var lines []string
	for i, m := range s.mounts {
		lines = append(lines, fmt.Sprintf("%star -C %s -cf - . > %s-%d.tar   # volume %s", exec, quote(m.Target), name, i, m.Source))
	}
	return lines
}

// restoreCommands restore s into the cluster.
func restoreCommands(ns string, s stateful) []string {
	exec := fmt.Sprintf("kubectl -n %s exec -i %s -- ", ns, s.workload)
	name := s.svc.Name
	switch s.engine {
	case engPostgres:
		if s.userVar != "" || s.dbVar != "" {
			return []string{fmt.Sprintf("%ssh -c 'exec pg_restore -U %s -d %s --clean --if-exists --no-owner' < %s.dump", exec, word(s.user, s.userVar), word(s.db, s.dbVar), name)}
		}
		return []string{fmt.Sprintf("%spg_restore -U %s -d %s --clean --if-exists --no-owner < %s.dump", exec, quote(s.user), quote(s.db), name)}
	case engMySQL:
		return []string{fmt.Sprintf(`%ssh -c 'exec mysql -uroot -p"$MYSQL_ROOT_PASSWORD"%s' < %s.sql`, exec, mysqlDB(s), name)}
	case engRedis:
		return []string{
			fmt.Sprintf("%ssh -c 'cat > /data/dump.rdb' < %s.rdb", exec, name),
			exec + "redis-cli SHUTDOWN NOSAVE   # the container restarts and loads the file",
		}
	case engMongo:
		return []string{fmt.Sprintf("%smongorestore --archive --drop < %s.archive", exec, name)}
	}
	var lines []string
	for i, m := range s.mounts {
		lines = append(lines, fmt.Sprintf("%star -C %s -xf - < %s-%d.tar   # volume %s", exec, quote(m.Target), name, i, m.Source))
	}
	return lines
}

func dbOrAll(s stateful) string {
	if s.db == "" {
		return "--all-databases"
	}
	return "--databases " + word(s.db, s.dbVar)
}

func mysqlDB(s stateful) string {
	if s.db == "" {
		return ""
	}
	return " " + word(s.db, s.dbVar)
}

func mongoDB(db string) string {
	if db == "" {
		return ""
	}
	return " --db " + quote(db)
}
