package handlers

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// A body that stops arriving is answered 408 at the deadline, and its reservation is
// released: the whole budget is usable again afterwards.
func TestStalledBodyTimesOut(t *testing.T) {
	saved := bodyReadTimeout
	// Long enough for the 5 MiB body below to arrive in time on a loaded machine under the
	// race detector (at 300 ms it did not, once), short enough to wait for the stall.
	bodyReadTimeout = 2 * time.Second
	t.Cleanup(func() { bodyReadTimeout = saved })

	srv := httptest.NewServer(New(Deps{BodyMemory: 6 << 20}))
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n{\"transcript\":", 5<<20)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 408") {
		t.Fatalf("stalled body: %q %v, want 408", line, err)
	}
	body := `{"transcript":"` + strings.Repeat("a", 5<<20-len(`{"transcript":""}`)) + `"}`
	resp, err := http.Post(srv.URL+"/validate", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the stalled body: %d (its reservation was not released?)", resp.StatusCode)
	}
}

// An operation registered later without a MaxBodyBytes (a RawBody, which huma reads
// without a limit) is still behind the budget, with huma's 1 MiB default.
func TestLaterOperationsAreBudgetedToo(t *testing.T) {
	mux := http.NewServeMux()
	api := NewAPI(mux)
	Register(api, Deps{})
	huma.Register(api, huma.Operation{OperationID: "raw", Method: http.MethodPost, Path: "/raw"},
		func(_ context.Context, in *rawInput) (*validOutput, error) {
			return &validOutput{Body: Validity{Valid: len(in.RawBody) > 0}}, nil
		})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for size, want := range map[int]int{1 << 20: http.StatusOK, 1<<20 + 1: http.StatusRequestEntityTooLarge} {
		resp, err := http.Post(srv.URL+"/raw", "application/json", strings.NewReader(strings.Repeat(" ", size)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%d bytes: %d, want %d", size, resp.StatusCode, want)
		}
	}
}
