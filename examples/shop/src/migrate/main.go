// Command migrate is the shop's one-shot schema migration: it waits for the database,
// applies the migrations it has not applied yet (recorded in schema_migrations) and exits 0.
// The Compose file runs it before api starts (depends_on: service_completed_successfully).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/berth-dev/berth/examples/shop/src/internal/store"
)

// migrations are applied in order, each once. The orders table itself comes from the
// database's init script (db/init.sql).
var migrations = []struct{ version, sql string }{
	{"001_order_status", `CREATE TABLE order_status (
		order_id     BIGINT PRIMARY KEY REFERENCES orders(id),
		processed_by TEXT        NOT NULL,
		processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
	)`},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := store.OpenDB()
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.WaitDB(ctx, db); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	for _, m := range migrations {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING`, m.version)
		if err != nil {
			_ = tx.Rollback()
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			_ = tx.Rollback()
			fmt.Println("migrate: already applied", m.version)
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("%s: %w", m.version, err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		fmt.Println("migrate: applied", m.version)
	}
	return nil
}
