package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// Each attempt names the body it sent by size and SHA-256; the bytes are kept once per
// call and content (a retry with the same body adds none), never over Kendo's 5 MiB (such
// a body is never sent); the latest kept body is the call's; a purge drops the bodies
// and their hashes and leaves the other calls' alone.
func TestAttemptsKeepEachDistinctBodyOnce(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	first, shrunk := []byte(`{"transcript":"long","audioUrl":"https://a/r"}`), []byte(`{"audioUrl":"https://a/r"}`)
	tooLarge := bytes.Repeat([]byte("x"), store.MaxSentBody+1)
	steps := []struct {
		call     string
		body     []byte
		wantKept int    // bodies kept for the call after this attempt
		wantLast []byte // the call's latest kept body after it
	}{
		{"c1", first, 1, first},
		{"c1", first, 1, first}, // a retry: the same bytes, kept once
		{"c1", shrunk, 2, shrunk},
		{"c1", tooLarge, 2, shrunk}, // never sent, not kept: the latest kept body stays
		{"c2", first, 1, first},     // another call keeps its own copy
	}
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			n := map[string]int{}
			for i, s := range steps {
				n[s.call]++
				if _, err := db.StartAttempt(ctx, db.SQL, s.call, n[s.call], t0.Add(time.Duration(i)*time.Second), s.body); err != nil {
					t.Fatal(err)
				}
				var kept int
				if err := db.SQL.QueryRow(`SELECT COUNT(*) FROM ak_sent_bodies WHERE aloware_call_id = $1`, s.call).Scan(&kept); err != nil {
					t.Fatal(err)
				}
				last, ok, err := db.LastSentBody(ctx, db.SQL, s.call)
				if err != nil || !ok || kept != s.wantKept || !bytes.Equal(last.Body, s.wantLast) {
					t.Fatalf("step %d: %d bodies kept, latest %.40q (%v, %v); want %d, %.40q", i, kept, last.Body, ok, err, s.wantKept, s.wantLast)
				}
			}
			attempts, err := db.Attempts(ctx, db.SQL, "c1")
			if err != nil || len(attempts) != 4 {
				t.Fatalf("attempts of c1: %d, %v", len(attempts), err)
			}
			for i, a := range attempts {
				if a.BodySHA256 != store.BodyHash(steps[i].body) || a.BodySize != len(steps[i].body) {
					t.Errorf("attempt %d names a body of %d bytes, %s; want %d bytes, %s", a.N, a.BodySize, a.BodySHA256, len(steps[i].body), store.BodyHash(steps[i].body))
				}
			}

			if err := db.PurgeAttempts(ctx, db.SQL, "c1"); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := db.LastSentBody(ctx, db.SQL, "c1"); ok || err != nil {
				t.Errorf("after the purge c1 still has a body (%v)", err)
			}
			attempts, _ = db.Attempts(ctx, db.SQL, "c1")
			for _, a := range attempts {
				if a.BodySHA256 != "" || a.BodySize == 0 {
					t.Errorf("after the purge attempt %d keeps hash %q, size %d; want no hash, the size", a.N, a.BodySHA256, a.BodySize)
				}
			}
			if _, ok, err := db.LastSentBody(ctx, db.SQL, "c2"); !ok || err != nil {
				t.Errorf("purging c1 took c2's body (%v)", err)
			}
		})
	}
}
