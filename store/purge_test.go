package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
)

// Purging calls' events keeps each event's id, name, kind, time, size and late
// artifacts, empties its raw body and warnings, and leaves the other calls' events as
// they were. On SQLite it frees the pages the bodies filled: emptied in place, the rows
// kept their pages, which no new event reused, and the file grew with every call ever
// stored, purged or not.
func TestPurgeEventsKeepsTheEventsAndFreesTheirPages(t *testing.T) {
	for name, location := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, location(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			body := bytes.Repeat([]byte("transcript "), 200) // 2.2 KB, as a recorded event's
			at := time.UnixMilli(1_780_000_000_000)
			var purged, kept []string
			for c := range 400 {
				id := fmt.Sprint(950_000_000 + c)
				if c%2 == 0 {
					purged = append(purged, id)
				} else {
					kept = append(kept, id)
				}
				for k := range 6 {
					e := Event{AlowareCallID: id, Name: fmt.Sprint("event-", k), Kind: "call", ReceivedAt: at.Add(time.Duration(k) * time.Minute),
						Raw: body, Size: len(body), Warnings: "agent: unreadable", Late: LateArtifacts{New: []string{"recording"}}}
					if err := db.InsertEvent(ctx, db.SQL, e); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := map[string][]Event{}
			for _, id := range append(slices.Clone(purged), kept...) {
				if before[id], err = db.Events(ctx, db.SQL, id, true); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.PurgeEvents(ctx, db.SQL, purged...); err != nil {
				t.Fatal(err)
			}
			for _, id := range append(slices.Clone(purged), kept...) {
				after, err := db.Events(ctx, db.SQL, id, true)
				if err != nil {
					t.Fatal(err)
				}
				want := slices.Clone(before[id])
				if slices.Contains(purged, id) {
					for i := range want {
						want[i].Raw, want[i].Warnings = nil, ""
					}
				}
				if got, w := fmt.Sprint(after), fmt.Sprint(want); got != w {
					t.Fatalf("call %s after the purge:\n%s\nwant\n%s", id, got, w)
				}
			}
			if db.Dialect != SQLite {
				return
			}
			var free int
			if err := db.SQL.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
				t.Fatal(err)
			}
			if free < 200 { // 1,200 bodies of 2.2 KB filled about 600 pages
				t.Errorf("the purge freed %d pages of the 1,200 bodies it emptied", free)
			}
		})
	}
}
