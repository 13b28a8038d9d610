package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// eventOfSize is a /push body of n bytes.
func eventOfSize(n int) []byte {
	prefix, suffix := `{"event":"Recording-Saved","body":{"id":7,"type":1,"pad":"`, `"}}`
	return []byte(prefix + strings.Repeat("a", n-len(prefix)-len(suffix)) + suffix)
}

// holdingEngine's first Accept holds its body (and so its share of the budget) until
// release is closed.
type holdingEngine struct {
	fakeEngine
	accepted atomic.Int32
	entered  chan struct{}
	release  chan struct{}
}

func newHoldingEngine() *holdingEngine {
	h := &holdingEngine{entered: make(chan struct{}), release: make(chan struct{})}
	h.accept = func([]byte) (delivery.Receipt, error) {
		if h.accepted.Add(1) == 1 {
			close(h.entered)
			<-h.release
		}
		return delivery.Receipt{AlowareCallID: "7", Status: lifecycle.Received}, nil
	}
	return h
}

func (h *holdingEngine) Accept(ctx context.Context, raw []byte) (delivery.Receipt, error) {
	return h.accept(raw)
}

// unsized hides a body's length, so the client sends it chunked.
type unsized struct{ io.Reader }

func postUnsized(t *testing.T, url string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, unsized{strings.NewReader(string(body))})
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// Bodies in flight share a budget: one that does not fit is a 503 with Retry-After and
// never reaches the engine; once the budget is free again, it goes through.
func TestBodyBudget(t *testing.T) {
	p := newHoldingEngine()
	srv := newServer(t, handlers.Deps{Intake: p, Operator: p, BodyMemory: 6 << 20, Logger: slog.New(slog.DiscardHandler)})
	first := make(chan response, 1)
	go func() { first <- post(t, srv.URL+"/push", eventOfSize(4<<20)) }()
	released := false
	t.Cleanup(func() {
		if !released {
			close(p.release)
		}
	})
	<-p.entered // 4 MiB held; 2 MiB left

	for name, send := range map[string]func() response{
		"with Content-Length": func() response { return post(t, srv.URL+"/push", eventOfSize(3<<20)) },
		"chunked":             func() response { return postUnsized(t, srv.URL+"/push", eventOfSize(3<<20)) },
	} {
		resp := send()
		if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" {
			t.Errorf("%s: a body over the budget got %d (Retry-After %q): %s", name, resp.status, resp.header.Get("Retry-After"), clip(resp.body))
		}
		resp.problem(t)
	}
	if n := p.accepted.Load(); n != 1 {
		t.Errorf("refused bodies reached the engine: %d accepts", n)
	}
	if resp := post(t, srv.URL+"/push", eventOfSize(1<<20)); resp.status != http.StatusAccepted {
		t.Errorf("a body that fits: %d %s", resp.status, clip(resp.body))
	}
	// A chunked body holds its old and its grown buffer while it grows: 700 KiB needs 1.5 MiB.
	if resp := postUnsized(t, srv.URL+"/push", eventOfSize(700<<10)); resp.status != http.StatusAccepted {
		t.Errorf("a chunked body that fits: %d %s", resp.status, clip(resp.body))
	}
	close(p.release)
	released = true
	if resp := <-first; resp.status != http.StatusAccepted {
		t.Errorf("the held push: %d", resp.status)
	}
	if resp := post(t, srv.URL+"/push", eventOfSize(3<<20)); resp.status != http.StatusAccepted {
		t.Errorf("after the budget was released: %d %s", resp.status, clip(resp.body))
	}
}

// rawRequest writes a request head (and some body; without one it asks "Expect:
// 100-continue") on a fresh connection and reads the status line of the answer; the
// connection stays open and unfinished.
func rawRequest(t *testing.T, addr, path string, contentLength int, body string) (status int, header string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	expect := ""
	if body == "" { // a client that waits for a go-ahead before it sends its body
		expect = "Expect: 100-continue\r\n"
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s", path, contentLength, expect, body)
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a bound, so a hang fails instead of blocking
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		t.Fatalf("status line %q", line)
	}
	var h strings.Builder
	for {
		l, err := r.ReadString('\n')
		if err != nil || l == "\r\n" {
			break
		}
		h.WriteString(l)
	}
	return status, h.String()
}

// A Content-Length over the route's limit is answered 413 before any of the body is
// sent, to a client that waits for the go-ahead (it never sends it here).
func TestOversizedContentLengthIsRefusedUnread(t *testing.T) {
	srv := newServer(t, handlers.Deps{Intake: newHoldingEngine()})
	addr := strings.TrimPrefix(srv.URL, "http://")
	for _, path := range []string{"/push", "/map", "/validate"} {
		if status, _ := rawRequest(t, addr, path, 5<<20+1, ""); status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d, want 413", path, status)
		}
	}
	if status, _ := rawRequest(t, addr, "/calls/redeliver", 600<<10, ""); status != http.StatusRequestEntityTooLarge {
		t.Errorf("/calls/redeliver: %d, want 413", status)
	}
}

func TestChunkedBodies(t *testing.T) {
	srv := newServer(t, handlers.Deps{})
	payload := `{"transcript":"Rep: hi","repEmail":"sam@example.com"}`
	if resp := postUnsized(t, srv.URL+"/validate", []byte(payload)); resp.status != http.StatusOK {
		t.Errorf("chunked /validate: %d %s", resp.status, resp.body)
	}
	exact := []byte(`{"transcript":"` + strings.Repeat("a", 5<<20-len(`{"transcript":""}`)) + `"}`)
	if resp := postUnsized(t, srv.URL+"/validate", exact); resp.status != http.StatusOK {
		t.Errorf("chunked 5 MiB: %d %s", resp.status, clip(resp.body))
	}
	over := append(append([]byte{}, exact[:len(exact)-2]...), []byte(`a"}`)...)
	resp := postUnsized(t, srv.URL+"/validate", over)
	if resp.status != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked 5 MiB + 1: %d %s", resp.status, clip(resp.body))
	}
	if p := resp.problem(t); !containsExact(p.locations(), "body") {
		t.Errorf("locations %q", p.locations())
	}
}
