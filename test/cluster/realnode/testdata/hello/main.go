// Command hello is the smoke test's workload: an HTTP server on $PORT that answers
// "hello <$MESSAGE> from <hostname>" and serves /healthz.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	host, _ := os.Hostname()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s from %s\n", os.Getenv("MESSAGE"), host)
	})
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), nil))
}
