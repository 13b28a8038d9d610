package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// 120 unauthenticated connections each announce a 5 MB body, send nearly all of it and
// stall. Memory held by request bodies is bounded (--body-memory-mb, 64 by default): the
// process stays under 400 MB RSS, /healthz answers and a normal /push still gets through.
// (With only a little of each body sent the memory stays low with or without a bound;
// nearly all of it is what made RSS reach gigabytes.)
func TestStalledUploadsKeepMemoryBounded(t *testing.T) {
	const (
		conns    = 120
		announce = 5_000_000
		sent     = announce - 1000 // the rest never comes
		maxRSS   = 400 << 20
	)
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", "http://127.0.0.1:9/ingest", "--log-level", "warn")
	pid := p.cmd.Process.Pid
	addr := strings.TrimPrefix(p.base, "http://")

	var peak atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss, err := procStatus(pid, "VmRSS"); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	head := fmt.Sprintf("POST /push HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, announce)
	body := append([]byte(`{"event":"Recording-Saved","body":{"id":940868616,"pad":"`), bytes.Repeat([]byte("a"), sent)...)[:sent]
	var (
		wg      sync.WaitGroup
		open    []net.Conn
		mu      sync.Mutex
		refused atomic.Int32 // answered (503) or closed before the whole part was written
	)
	t.Cleanup(func() {
		for _, c := range open {
			c.Close()
		}
	})
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				refused.Add(1)
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second)) // a bound, not an expectation
			if _, err := c.Write([]byte(head)); err != nil {
				refused.Add(1)
				return
			}
			if _, err := c.Write(body); err != nil {
				refused.Add(1)
			}
		}()
	}
	wg.Wait() // every connection has written what it will write and now stalls

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(p.base + "/healthz")
	if err != nil {
		t.Fatalf("/healthz while %d uploads stall: %v", conns, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	event := lifecycle(t, "inbound-940870001")[0]
	resp, err = client.Post(p.base+"/push", "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatalf("/push while %d uploads stall: %v", conns, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("a normal /push while uploads stall: %d", resp.StatusCode)
	}

	close(stopSampling)
	<-sampled
	hwm, err := procStatus(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d stalled uploads of %d bytes (%d refused or cut off): peak VmRSS sampled %d MB, VmHWM %d MB",
		conns, announce, refused.Load(), peak.Load()>>20, hwm>>20)
	if peak.Load() >= maxRSS || hwm >= maxRSS {
		t.Errorf("RSS reached %d MB (high-water mark %d MB); the bound is %d MB", peak.Load()>>20, hwm>>20, maxRSS>>20)
	}
}

// procStatus reads one "kB" field of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		return kb << 10, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
