// Command api is the shop's HTTP API on :8080 (web proxies /api/ to it).
//
//	GET  /healthz       200 when the database and Redis answer
//	GET  /info          what the process was configured with: currency and log level (from the
//	                    env_file), HMAC-SHA256(SESSION_SECRET, ?challenge) as proof that it has
//	                    the secret (never the secret itself), where the database password came
//	                    from, and whether db and Redis answer
//	POST /orders        item=..&quantity=.. : inserts an order, queues it for the worker
//	GET  /orders/{id}   the order and, once the worker has taken it, who processed it
//
// `api -healthcheck [-url URL]` GETs /healthz and exits 0 or 1: the Compose healthcheck.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/berth-dev/berth/examples/shop/src/internal/store"
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check a running api's /healthz and exit")
	url := flag.String("url", "http://127.0.0.1:8080/healthz", "URL the health check GETs")
	flag.Parse()
	if *healthcheck {
		os.Exit(check(*url))
	}
	db, err := store.OpenDB()
	if err != nil {
		log.Fatal(err)
	}
	s := &server{db: db, queue: "orders"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /info", s.info)
	mux.HandleFunc("POST /orders", s.createOrder)
	mux.HandleFunc("GET /orders/{id}", s.getOrder)
	log.Printf("api listening on :8080 (log level %s)", os.Getenv("LOG_LEVEL"))
	log.Fatal(http.ListenAndServe(":8080", mux))
}

func check(url string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "healthcheck:", resp.Status)
		return 1
	}
	return 0
}

type server struct {
	db    *sql.DB
	queue string
}

func (s *server) redis(args ...string) (any, error) {
	r, err := store.DialRedis()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Do(3*time.Second, args...)
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		http.Error(w, "database: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	if _, err := s.redis("PING"); err != nil {
		http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

func (s *server) info(w http.ResponseWriter, r *http.Request) {
	host, _ := os.Hostname()
	mac := hmac.New(sha256.New, []byte(os.Getenv("SESSION_SECRET")))
	mac.Write([]byte(r.URL.Query().Get("challenge")))
	out := map[string]any{
		"service":              "api",
		"host":                 host,
		"currency":             os.Getenv("SHOP_CURRENCY"),
		"log_level":            os.Getenv("LOG_LEVEL"),
		"session_secret_proof": hex.EncodeToString(mac.Sum(nil)),
		"password_file":        os.Getenv("DATABASE_PASSWORD_FILE"),
	}
	var version string
	if err := s.db.QueryRowContext(r.Context(), `SELECT version()`).Scan(&version); err != nil {
		out["db"] = "error: " + err.Error()
	} else {
		out["db"] = version
	}
	var migrations int
	if err := s.db.QueryRowContext(r.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&migrations); err == nil {
		out["migrations"] = migrations
	}
	if pong, err := s.redis("PING"); err != nil {
		out["redis"] = "error: " + err.Error()
	} else {
		out["redis"] = pong
	}
	writeJSON(w, http.StatusOK, out)
}

type order struct {
	ID          int64  `json:"id"`
	Item        string `json:"item"`
	Quantity    int    `json:"quantity"`
	ProcessedBy string `json:"processed_by,omitempty"`
}

func (s *server) createOrder(w http.ResponseWriter, r *http.Request) {
	item := r.FormValue("item")
	qty, err := strconv.Atoi(r.FormValue("quantity"))
	if item == "" || err != nil || qty <= 0 {
		http.Error(w, "want item and a positive quantity", http.StatusBadRequest)
		return
	}
	o := order{Item: item, Quantity: qty}
	if err := s.db.QueryRowContext(r.Context(), `INSERT INTO orders (item, quantity) VALUES ($1, $2) RETURNING id`, item, qty).Scan(&o.ID); err != nil {
		http.Error(w, "database: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if _, err := s.redis("LPUSH", s.queue, strconv.FormatInt(o.ID, 10)); err != nil {
		http.Error(w, "redis: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

func (s *server) getOrder(w http.ResponseWriter, r *http.Request) {
	var o order
	var by sql.NullString
	err := s.db.QueryRowContext(r.Context(), `SELECT o.id, o.item, o.quantity, s.processed_by
		FROM orders o LEFT JOIN order_status s ON s.order_id = o.id WHERE o.id = $1`, r.PathValue("id")).
		Scan(&o.ID, &o.Item, &o.Quantity, &by)
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, "no such order", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "database: "+err.Error(), http.StatusInternalServerError)
		return
	}
	o.ProcessedBy = by.String
	writeJSON(w, http.StatusOK, o)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
