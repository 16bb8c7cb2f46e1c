// Command hello is the smoke test's workload: an HTTP server on $PORT that answers
// "hello <$MESSAGE> from <hostname>", serves /healthz, and /env/NAME answers the bytes of the
// variable NAME exactly as the container received them.
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
	http.HandleFunc("/env/{name}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(os.Getenv(r.PathValue("name"))))
	})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s from %s\n", os.Getenv("MESSAGE"), host)
	})
	log.Fatal(http.ListenAndServe(":"+os.Getenv("PORT"), nil))
}
