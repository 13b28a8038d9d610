package handlers_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPushLifecycles is /push over HTTP with the real engine on SQLite: 8 clients,
// each posting whole outbound lifecycles under fresh call ids (scripts/bench-intake.sh
// measures the binary the same way, against bare SQLite).
func BenchmarkPushLifecycles(b *testing.B) {
	// The intake alone: nothing is due during the run, not even the complete calls.
	st := newStack(&testing.T{}, stackOptions{settle: time.Hour, grace: time.Hour})
	files := lifecycleFiles(&testing.T{}, "outbound-940868616")
	var events [][]byte
	for _, f := range files {
		events = append(events, readFile(&testing.T{}, f))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var calls atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var id []byte
		i := len(events)
		for pb.Next() {
			if i == len(events) {
				id, i = []byte(fmt.Sprint(860000000+calls.Add(1))), 0
			}
			resp, err := client.Post(st.srv.URL+"/push", "application/json", bytes.NewReader(bytes.ReplaceAll(events[i], []byte("940868616"), id)))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
