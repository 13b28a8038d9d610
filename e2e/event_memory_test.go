package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// 1, 4 and 12 clients push a 4.9 MB event (a long call's transcript) at once. Parsing and
// folding such an event must not cost many times its size: with 12 at once the process
// stays under 300 MB RSS, every event is stored (202) and /healthz keeps answering.
func TestConcurrentBigEventsKeepMemoryBounded(t *testing.T) {
	const (
		size   = 4_900_000
		maxRSS = 300 << 20
	)
	for _, clients := range []int{1, 4, 12} {
		t.Run(fmt.Sprintf("%d-clients", clients), func(t *testing.T) {
			p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", "http://127.0.0.1:9/ingest", "--log-level", "warn")
			pid := p.cmd.Process.Pid
			events := make([][]byte, clients)
			for i := range events {
				events[i] = testenv.LongTranscript(t, fmt.Sprint(950000000+i), size)
			}

			var peak atomic.Int64
			stop, sampled := make(chan struct{}), make(chan struct{})
			var healthz []time.Duration // each /healthz while the events go in (read after sampled)
			go func() {
				defer close(sampled)
				client := &http.Client{Timeout: 10 * time.Second}
				for {
					if rss, err := procStatus(pid, "VmRSS"); err == nil && rss > peak.Load() {
						peak.Store(rss)
					}
					began := time.Now()
					if resp, err := client.Get(p.base + "/healthz"); err == nil {
						resp.Body.Close()
					}
					healthz = append(healthz, time.Since(began))
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}()

			var wg sync.WaitGroup
			codes := make([]int, clients)
			began := time.Now()
			for i, raw := range events {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := http.Post(p.base+"/push", "application/json", bytes.NewReader(raw))
					if err != nil {
						t.Errorf("push %d: %v", i, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					codes[i] = resp.StatusCode
				}()
			}
			wg.Wait()
			took := time.Since(began)
			close(stop)
			<-sampled
			hwm, err := procStatus(pid, "VmHWM")
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(healthz)
			t.Logf("%d concurrent %d-byte events in %s: peak VmRSS sampled %d MB, VmHWM %d MB; /healthz median %s, slowest %s (%d probes)",
				clients, len(events[0]), took.Round(time.Millisecond), peak.Load()>>20, hwm>>20,
				healthz[len(healthz)/2].Round(time.Millisecond), healthz[len(healthz)-1].Round(time.Millisecond), len(healthz))
			for i, code := range codes {
				if code != http.StatusAccepted {
					t.Errorf("push %d: %d, want 202", i, code)
				}
			}
			if hwm >= maxRSS {
				t.Errorf("RSS high-water mark %d MB; the bound is %d MB", hwm>>20, maxRSS>>20)
			}
		})
	}
}
