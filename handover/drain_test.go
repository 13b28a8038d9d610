package handover

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// A request whose headers are still arriving when the drain begins is answered, not
// dropped: http.Server.Shutdown alone closes such a connection without an answer once
// the request has been read, and a webhook sender that never retries loses the event.
func TestDrainAnswersARequestStillArriving(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	})}
	web := Serve(srv, ln)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /push HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	// Let the server accept the connection and start reading its request.
	waitState(t, web, 1)

	drained := make(chan error, 1)
	go func() { drained <- web.Drain(context.Background()) }()
	// The drain has begun once the listener refuses new connections.
	for {
		c, err := net.Dial("tcp", addr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
		if err == nil {
			c.Close()
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := io.WriteString(conn, "Content-Length: 2\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request that arrived during the drain got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || !resp.Close {
		t.Errorf("answer %d, Connection: close %v; want 202 and close", resp.StatusCode, resp.Close)
	}
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
}

// waitState waits until n connections are open on the server.
func waitState(t *testing.T, s *Server, n int) {
	t.Helper()
	for range 2000 {
		s.mu.Lock()
		got := len(s.open)
		s.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("never %d open connections", n)
}
