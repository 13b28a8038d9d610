// Command benchecho is the yardstick for scripts/bench-map.sh: the least a JSON-in,
// JSON-out HTTP service does per request, with nothing but net/http and encoding/json.
// It decodes the POSTed body and writes the decoded value back as JSON, so /map's cost
// can be read as a ratio to it (/map should reach at least 0.9× of it).
//
//	go run ./internal/benchecho -listen 127.0.0.1:18081
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18081", "address to serve on")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*listen, http.HandlerFunc(echo)))
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 5<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
