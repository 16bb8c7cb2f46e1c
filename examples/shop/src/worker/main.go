// Command worker processes the shop's orders: it takes order IDs from a Redis list (the
// queue named by -queue, filled by api) and records in the database which worker processed
// each one.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/berth-dev/berth/examples/shop/src/internal/store"
)

func main() {
	queue := flag.String("queue", "orders", "Redis list to consume")
	concurrency := flag.Int("concurrency", 1, "orders processed at once")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	db, err := store.OpenDB()
	if err != nil {
		log.Fatal(err)
	}
	host, _ := os.Hostname()
	log.Printf("worker %s: consuming %q with %d goroutines", host, *queue, *concurrency)
	done := make(chan struct{})
	for i := 0; i < *concurrency; i++ {
		go func() {
			consume(ctx, db, *queue, fmt.Sprintf("%s/%d", host, i))
			done <- struct{}{}
		}()
	}
	for i := 0; i < *concurrency; i++ {
		<-done
	}
}

// consume takes order IDs until ctx ends, reconnecting to Redis after errors.
func consume(ctx context.Context, db *sql.DB, queue, name string) {
	for ctx.Err() == nil {
		r, err := store.DialRedis()
		if err != nil {
			log.Printf("%s: redis: %v", name, err)
			sleep(ctx, time.Second)
			continue
		}
		for ctx.Err() == nil {
			reply, err := r.Do(10*time.Second, "BRPOP", queue, "5")
			if err != nil {
				log.Printf("%s: BRPOP: %v", name, err)
				break
			}
			pair, ok := reply.([]any)
			if !ok || len(pair) != 2 {
				continue // timeout: nil reply
			}
			id, _ := pair[1].(string)
			if _, err := db.ExecContext(ctx, `INSERT INTO order_status (order_id, processed_by) VALUES ($1, $2)
				ON CONFLICT (order_id) DO NOTHING`, id, name); err != nil {
				log.Printf("%s: order %s: %v", name, id, err)
				continue
			}
			log.Printf("%s: processed order %s", name, id)
		}
		_ = r.Close()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
