package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// Nothing reachable without credentials can hold the memory /push needs. 200 slow
// uploads (one byte a second, a large Content-Length) on every route an outsider can
// reach at once — the open ones, and the protected ones without credentials — while
// authenticated pushes keep being stored (202) and /healthz keeps answering.
// (Before open routes had a budget of their own, 70 such uploads on /kendo/webhook made
// every /push a 503.)
func TestSlowUnauthenticatedUploadsDoNotStarvePush(t *testing.T) {
	const (
		perRoute = 200
		attack   = 6 * time.Second
	)
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", "http://127.0.0.1:9/ingest",
		"--log-level", "warn", "--inbound-token", "T0ken", "--kendo-webhook-secret", "S3cret")
	addr := strings.TrimPrefix(p.base, "http://")
	routes := []string{
		"/kendo/webhook", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json", "/openapi.yaml",
		"/ui", "/ui/quarantine/replay", "/ui/calls/940870001/skip", "/nowhere",
		"/push", "/validate", "/map", "/calls/redeliver", // protected: refused before their body
	}

	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	var wg sync.WaitGroup
	for _, route := range routes {
		for i := range perRoute {
			// Half announce what that attack announced (just under 1 MiB), half stay under a
			// small route limit and so would be read (and held) if allowed.
			length := 1048575
			if i%2 == 1 {
				length = 60000
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", route, addr, length)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	t.Logf("%d slow uploads open on %d routes", len(conns), len(routes))

	stop := make(chan struct{})
	dripped := make(chan struct{})
	go func() { // one byte a second on every connection, reopening none
		defer close(dripped)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			mu.Lock()
			for _, c := range conns {
				_ = c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				_, _ = c.Write([]byte(" "))
			}
			mu.Unlock()
		}
	}()

	client := &http.Client{Timeout: 10 * time.Second}
	// A long call's transcript: any bytes left over in a spent budget would take a small event.
	event := testenv.LongTranscript(t, "940870001", 1_000_000)
	var codes []int
	for end := time.Now().Add(attack); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodPost, p.base+"/push", bytes.NewReader(event))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer T0ken")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("authenticated /push during the attack: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("authenticated /push during the attack: %d %s", resp.StatusCode, b)
		}
		if code := p.get(t, "/healthz"); code != http.StatusOK {
			t.Errorf("/healthz during the attack: %d", code)
		}
	}
	close(stop)
	<-dripped
	t.Logf("authenticated /push answers during the attack: %v", codes)
	for _, l := range strings.Split(p.body(t, "/metrics"), "\n") {
		if strings.Contains(l, "body_refusals_total{") || strings.Contains(l, "duration_seconds_count") {
			t.Log(l)
		}
	}
}
