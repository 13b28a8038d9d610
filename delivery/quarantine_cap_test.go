package delivery_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// The quarantine's bound is a bound on the disk: a flood of the smallest unusable object
// (`{}`, two bytes, whose problems text and row take a hundred times that) stops at the
// bound, and the database grows by about the bound, not by a multiple of it.
func TestQuarantineBoundsTheDisk(t *testing.T) {
	// 256 KiB: each insert sums the quarantine, so the run grows with the square of the
	// events it takes (a 1 MiB bound takes minutes under -race on SQLite).
	const bound = 256 << 10
	// What the database may grow by: the bound, plus what pages that are not quite full
	// and the indexes' inner pages take.
	const allowed = bound * 5 / 4
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			loc := db(t)
			k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
			svc := startEngine(t, loc, k.URL(), engineOpts{quarantineMax: bound})
			probe, err := store.Open(context.Background(), loc, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer probe.Close()
			before := databaseBytes(t, probe, loc)

			stored := 0
			for {
				rc, err := svc.Accept(context.Background(), []byte(`{}`))
				var ie *aloware.InputError
				if errors.As(err, &ie) {
					break // the quarantine is full: refused, nothing kept
				}
				if err != nil || rc.Status != lifecycle.Quarantined {
					t.Fatalf("event %d: %+v, %v", stored+1, rc, err)
				}
				stored++
				if stored%250 == 0 {
					if grown := databaseBytes(t, probe, loc) - before; grown > allowed {
						t.Fatalf("the database grew by %d bytes with %d events quarantined and none refused yet; the bound is %d", grown, stored, bound)
					}
				}
			}
			grown := databaseBytes(t, probe, loc) - before
			page, err := svc.Quarantine(context.Background(), 1, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d events of 2 bytes quarantined before the bound of %d bytes refused one; counted %d bytes; the database grew by %d bytes (%d per event)",
				name, stored, bound, page.Bytes, grown, grown/int64(max(stored, 1)))
			if path, ok := strings.CutPrefix(loc, "sqlite:"); ok {
				for _, f := range []string{path, path + "-wal"} {
					if fi, err := os.Stat(f); err == nil {
						t.Logf("%s: %d bytes on disk", f, fi.Size())
					}
				}
			}
			if page.Total != stored || page.Bytes > bound {
				t.Errorf("quarantine holds %d events counted as %d bytes; want %d events within %d bytes", page.Total, page.Bytes, stored, bound)
			}
			if grown > allowed {
				t.Errorf("the database grew by %d bytes for a quarantine bound of %d", grown, bound)
			}
			if stored < bound/400 {
				t.Errorf("only %d tiny events fit in %d bytes: the per-row cost is overstated", stored, bound)
			}
		})
	}
}

// databaseBytes is how large the database is now: SQLite's pages (those in the WAL
// included), or PostgreSQL's quarantine table with its indexes and TOAST.
func databaseBytes(t *testing.T, db *store.DB, loc string) int64 {
	t.Helper()
	q := `SELECT pg_total_relation_size('ak_quarantine')`
	if strings.HasPrefix(loc, "sqlite:") {
		q = `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`
	}
	var n int64
	if err := db.SQL.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
