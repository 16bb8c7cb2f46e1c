// Package store connects the shop's programs to their backing services, configured the way
// the Compose file configures them: DATABASE_HOST, DATABASE_USER, DATABASE_NAME (default
// "shop") and the password read from DATABASE_PASSWORD_FILE (a Compose secret, mounted at
// /run/secrets/db_password), and REDIS_ADDR.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver
)

// Password reads the database password from the file named by DATABASE_PASSWORD_FILE.
func Password() (string, error) {
	path := os.Getenv("DATABASE_PASSWORD_FILE")
	if path == "" {
		return "", errors.New("DATABASE_PASSWORD_FILE is not set")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the database password: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// OpenDB opens the database pool (connections are made lazily and re-made after failures).
func OpenDB() (*sql.DB, error) {
	host, user := os.Getenv("DATABASE_HOST"), os.Getenv("DATABASE_USER")
	if host == "" || user == "" {
		return nil, errors.New("DATABASE_HOST and DATABASE_USER must be set")
	}
	name := os.Getenv("DATABASE_NAME")
	if name == "" {
		name = "shop"
	}
	pw, err := Password()
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, pw), Host: host + ":5432", Path: name, RawQuery: "sslmode=disable&connect_timeout=5"}
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		return nil, err
	}
	db.SetConnMaxIdleTime(30 * time.Second)
	return db, nil
}

// WaitDB pings db until it answers or ctx ends.
func WaitDB(ctx context.Context, db *sql.DB) error {
	for {
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("database not reachable: %w", err)
		case <-time.After(time.Second):
		}
	}
}
