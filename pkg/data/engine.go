// Package data describes where an application's data lives and how to move it: which services
// are data stores (PostgreSQL, MySQL/MariaDB, Redis, MongoDB) to dump and restore with their
// own tools, which volumes are plain files to copy, which claim in the cluster holds each, and
// the per-file manifests that prove a copy equal. It is pure: model and converted objects in,
// facts and commands out; the cluster side is package transfer.
package data

import (
	"path"
	"strings"
)

// Engine is a data store berth knows how to dump and restore.
type Engine string

// Engines.
const (
	Postgres Engine = "postgres"
	MySQL    Engine = "mysql"
	Redis    Engine = "redis"
	Mongo    Engine = "mongo"
	Files    Engine = "files" // no known store: the volume's files are copied
)

// EngineOf guesses the engine from an image's repository name.
func EngineOf(image string) Engine {
	repo := image
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	base := path.Base(repo)
	switch {
	case strings.HasPrefix(base, "postgres"), strings.HasPrefix(base, "postgis"), strings.HasPrefix(base, "timescaledb"), strings.HasPrefix(base, "pgvector"):
		return Postgres
	case strings.HasPrefix(base, "mysql"), strings.HasPrefix(base, "mariadb"), strings.HasPrefix(base, "percona"):
		return MySQL
	case strings.HasPrefix(base, "redis"), strings.HasPrefix(base, "valkey"), strings.HasPrefix(base, "keydb"):
		return Redis
	case strings.HasPrefix(base, "mongo"):
		return Mongo
	}
	return Files
}

// Title names the engine and its tools for people.
func (e Engine) Title() string {
	switch e {
	case Postgres:
		return "PostgreSQL: pg_dump / pg_restore"
	case MySQL:
		return "MySQL/MariaDB: mysqldump / mysql"
	case Redis:
		return "Redis: an RDB snapshot over the replication protocol"
	case Mongo:
		return "MongoDB: mongodump / mongorestore"
	}
	return "files"
}

// DumpExt is the file extension of the engine's dump.
func (e Engine) DumpExt() string {
	switch e {
	case Postgres:
		return ".dump"
	case MySQL:
		return ".sql"
	case Redis:
		return ".rdb"
	case Mongo:
		return ".archive"
	}
	return ".tar"
}

// dataDirs are where the official images keep the store's data: a volume mounted there (or
// above or below it) is covered by the logical dump; other volumes of the service are files.
func (e Engine) dataDirs() []string {
	switch e {
	case Postgres:
		return []string{"/var/lib/postgresql"}
	case MySQL:
		return []string{"/var/lib/mysql"}
	case Redis:
		return []string{"/data"}
	case Mongo:
		return []string{"/data/db", "/data/configdb"}
	}
	return nil
}

// covers reports whether a mount at target holds the engine's data (pgdata is PGDATA when set).
func (e Engine) covers(target, pgdata string) bool {
	dirs := e.dataDirs()
	if e == Postgres && pgdata != "" {
		dirs = append(dirs, pgdata)
	}
	t := path.Clean(target)
	for _, d := range dirs {
		if t == d || strings.HasPrefix(t, d+"/") || strings.HasPrefix(d, t+"/") {
			return true
		}
	}
	return false
}

// Sniff names the kind of dump data starts with: the engine that reads it and a description,
// or Files and "" when it is none of the known formats.
func Sniff(head []byte) (Engine, string) {
	s := string(head)
	switch {
	case strings.HasPrefix(s, "PGDMP"):
		return Postgres, "a PostgreSQL custom-format dump (pg_dump -Fc)"
	case strings.HasPrefix(s, "REDIS"):
		return Redis, "a Redis RDB file"
	case len(head) >= 4 && head[0] == 0x6d && head[1] == 0xe2 && head[2] == 0x99 && head[3] == 0x81:
		return Mongo, "a MongoDB archive (mongodump --archive)"
	case strings.HasPrefix(s, "-- MySQL dump"), strings.HasPrefix(s, "-- MariaDB dump"), strings.Contains(s, "\n-- MySQL dump"), strings.Contains(s, "\n-- MariaDB dump"):
		return MySQL, "a MySQL/MariaDB dump (mysqldump)"
	case strings.HasPrefix(s, "--\n-- PostgreSQL database dump"), strings.Contains(s, "\n-- PostgreSQL database dump"):
		return Postgres, "a PostgreSQL plain-SQL dump (pg_dump)"
	case strings.HasPrefix(s, "*") && strings.Contains(s, "\r\n$"):
		return Redis, "a Redis append-only file"
	}
	return Files, ""
}
