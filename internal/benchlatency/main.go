// Command benchlatency is the load and the yardstick of scripts/bench-latency.sh: how long
// after a call's last event the real service's request reaches Kendo, with a free pacing
// slot and a complete call (recording, transcript, summary).
//
//	benchlatency -push http://127.0.0.1:8080/push -kendo http://127.0.0.1:9090 -calls 40 -every 250ms DIR
//
// A new call (DIR's event files in name order, under a fresh call id) starts every
// -every; its events follow each other -gap apart. For each call the latency runs from
// the answer to its last /push to the time the Kendo emulator received the call (one
// machine, one clock). Prints p50, p95 and max, and how many calls took over -goal;
// exits 1 when the p95 is over it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

func main() {
	push := flag.String("push", "http://127.0.0.1:8080/push", "the service's /push")
	kendo := flag.String("kendo", "http://127.0.0.1:9090", "the Kendo emulator's base URL (GET /calls)")
	calls := flag.Int("calls", 40, "calls to push")
	every := flag.Duration("every", 250*time.Millisecond, "a new call starts this often")
	gap := flag.Duration("gap", 0, "time between one call's events")
	wait := flag.Duration("wait", 2*time.Minute, "how long to wait for Kendo to have every call")
	goal := flag.Duration("goal", 6*time.Second, "the p95 to meet")
	flag.Parse()
	if flag.NArg() != 1 {
		fail("usage: benchlatency [flags] LIFECYCLE_DIR")
	}
	dir := flag.Arg(0)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(files)
	recordedID := lifecycleID(dir)
	var events [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			fail(err.Error())
		}
		events = append(events, raw)
	}
	if len(events) == 0 || recordedID == "" {
		fail("no events, or no call id at the end of the directory's name: " + dir)
	}

	run := time.Now().UnixMilli() % 100000000
	lastPush := make(map[string]time.Time, *calls)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for c := range *calls {
		id := fmt.Sprint(900000000000 + run*1000 + int64(c))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, raw := range events {
				if i > 0 {
					time.Sleep(*gap)
				}
				res, err := http.Post(*push, "application/json", bytes.NewReader(bytes.ReplaceAll(raw, []byte(recordedID), []byte(id))))
				if err != nil {
					fail(err.Error())
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode/100 != 2 {
					fail(fmt.Sprintf("/push answered %d", res.StatusCode))
				}
			}
			mu.Lock()
			lastPush[id] = time.Now()
			mu.Unlock()
		}()
		time.Sleep(*every)
	}
	wg.Wait()

	deadline := time.Now().Add(*wait)
	var latencies []time.Duration
	for {
		latencies = latencies[:0]
		for _, a := range accepted(*kendo) {
			if t, ok := lastPush[a.id]; ok {
				latencies = append(latencies, a.at.Sub(t))
			}
		}
		if len(latencies) == len(lastPush) {
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Sprintf("Kendo has %d of %d calls after %s", len(latencies), len(lastPush), *wait))
		}
		time.Sleep(250 * time.Millisecond)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	over := 0
	for _, l := range latencies {
		if l > *goal {
			over++
		}
	}
	p95 := quantile(latencies, 0.95)
	fmt.Printf("last event → Kendo request, %d calls: p50 %.2f s, p95 %.2f s, max %.2f s; over %s: %d\n",
		len(latencies), quantile(latencies, 0.5).Seconds(), p95.Seconds(), latencies[len(latencies)-1].Seconds(), *goal, over)
	if p95 > *goal {
		os.Exit(1)
	}
}

type arrival struct {
	id string
	at time.Time
}

// accepted lists the calls the emulator accepted, by Aloware call id.
func accepted(base string) []arrival {
	res, err := http.Get(base + "/calls")
	if err != nil {
		fail(err.Error())
	}
	defer res.Body.Close()
	var list []struct {
		ReceivedAt time.Time `json:"receivedAt"`
		Payload    struct {
			Metadata map[string]any `json:"metadata"`
		} `json:"payload"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		fail("emulator /calls: " + err.Error())
	}
	out := make([]arrival, 0, len(list))
	for _, c := range list {
		id, _ := c.Payload.Metadata["alowareCallId"].(string)
		out = append(out, arrival{id: id, at: c.ReceivedAt})
	}
	return out
}

// quantile is the nearest-rank q-quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// lifecycleID is the call id a testdata/lifecycle directory is named after (its last
// dash-separated part).
func lifecycleID(dir string) string {
	base := filepath.Base(filepath.Clean(dir))
	for i := len(base) - 1; i >= 0; i-- {
		if base[i] == '-' {
			return base[i+1:]
		}
	}
	return ""
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "benchlatency:", msg)
	os.Exit(1)
}
