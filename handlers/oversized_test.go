package handlers_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
)

// A client that writes its whole body before it reads (Go's transport, Python's urllib)
// must read the 413, not a connection reset: the edge reads and discards the rest of an
// over-limit body before it answers.
func TestOversizedBodyAnswerReachesClientsThatSendItAll(t *testing.T) {
	srv := newServer(t, handlers.Deps{Intake: newHoldingEngine()})
	body := bytes.Repeat([]byte("a"), 5<<20+10)
	for _, path := range []string{"/validate", "/map", "/push"} {
		for try := range 6 { // a reset is a race: one lucky answer proves nothing
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: try%2 == 1}}
			resp, err := client.Post(srv.URL+path, "application/json", bytes.NewReader(body))
			defer client.CloseIdleConnections()
			if err != nil {
				t.Errorf("%s (try %d): %v, want a 413", path, try, err)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r := response{status: resp.StatusCode, header: resp.Header, body: b}
			if r.status != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: %d, want 413", path, r.status)
				continue
			}
			if p := r.problem(t); !strings.Contains(p.Detail, "too large") {
				t.Errorf("%s: detail %q", path, p.Detail)
			}
		}
	}
}
