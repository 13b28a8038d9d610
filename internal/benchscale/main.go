// Command benchscale builds and measures a year of calls for scripts/bench-scale.sh.
//
//	benchscale load -db LOC -calls N -expire M -retain 720h DIR
//	    writes N calls straight into a migrated database, first seen over the year before
//	    now, each with DIR's events (one lifecycle, about 6): the newest half within the
//	    retention (content kept), then M finished calls just past it (content kept, the
//	    next retention run purges them), the oldest already purged (events emptied, no
//	    merged call). Prints the cursor of the call half-way down the listing.
//	benchscale get -url URL -n 200
//	    GETs URL n times one after the other; prints the median, p95 and max in ms.
//	benchscale push -url URL -rate 20 [-log FILE | -for 1m] DIR
//	    posts DIR's first event under fresh call ids at rate per second until FILE (the
//	    service's log) says a retention run purged calls, then prints that run's duration
//	    and the /push latencies of the requests sent during it (median, p99, max); without
//	    -log, for a while, and the latencies of all.
//	benchscale size -db LOC -calls N
//	    prints the database's bytes (SQLite: the file and its WAL), the bytes in use, the
//	    largest tables, and the bytes of a kept call and of a purged one.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/store/location"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchscale load|get|push|size [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	db := fs.String("db", "", "load, size: the database location")
	calls := fs.Int("calls", 1_000_000, "load, size: how many calls")
	expire := fs.Int("expire", 100_000, "load: finished calls the next retention run purges")
	retain := fs.Duration("retain", 720*time.Hour, "load: the service's --retain")
	url := fs.String("url", "", "get, push: what to ask")
	n := fs.Int("n", 200, "get: requests")
	rate := fs.Float64("rate", 20, "push: events per second")
	logFile := fs.String("log", "", "push: the service's log")
	dur := fs.Duration("for", time.Minute, "push without -log: how long")
	_ = fs.Parse(os.Args[2:])
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "load":
		err = load(ctx, *db, *calls, *expire, *retain, fs.Arg(0))
	case "get":
		err = get(*url, *n)
	case "push":
		err = push(*url, *rate, *logFile, *dur, fs.Arg(0))
	case "size":
		err = size(ctx, *db, *calls)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// events reads a lifecycle's event files in name order.
func events(dir string) ([][]byte, []string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, nil, fmt.Errorf("no events in %s (%v)", dir, err)
	}
	slices.Sort(files)
	var bodies [][]byte
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		bodies = append(bodies, b)
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, after, ok := strings.Cut(name, "-"); ok {
			name = after
		}
		names = append(names, name)
	}
	return bodies, names, nil
}

// finished is how finished calls are spread over their statuses (per thousand).
var finished = []struct {
	status lifecycle.Status
	weight int
}{{lifecycle.Delivered, 700}, {lifecycle.Analyzed, 60}, {lifecycle.Skipped, 120}, {lifecycle.Ignored, 100}, {lifecycle.Failed, 20}}

func pick(r *rand.Rand) lifecycle.Status {
	n := r.IntN(1000)
	for _, f := range finished {
		if n < f.weight {
			return f.status
		}
		n -= f.weight
	}
	return lifecycle.Delivered
}

const (
	callColumns  = `aloware_call_id, kind, status, team, kendo_call_id, attempts, first_seen_ms, updated_ms, complete_ms, delivered_ms, purged_ms, merged, merged_version, raw_bytes, direction, rep_email, call_date_ms`
	eventColumns = `aloware_call_id, name, kind, received_ms, raw, size`
)

func load(ctx context.Context, loc string, calls, expire int, retain time.Duration, dir string) error {
	bodies, names, err := events(dir)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, loc, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	// SQLite looks each $N up in a list (a statement's cost grows with the square of its
	// parameters): small statements there, large ones on PostgreSQL.
	perInsert := 20
	if db.Dialect == store.Postgres {
		perInsert = 500
	}
	now := time.Now()
	year := 365 * 24 * time.Hour
	recent := calls / 2
	r := rand.New(rand.NewPCG(21, 21))
	rawBytes := 0
	for _, b := range bodies {
		rawBytes += len(b)
	}
	// firstSeen places call i (0 the oldest): the oldest calls.recent-… over the year
	// before the retention's edge, the newest half within the retention.
	edge := now.Add(-retain - time.Hour)
	recentStep := (retain - 2*time.Hour) / time.Duration(recent)
	oldStep := (edge.Sub(now.Add(-year)) - time.Hour) / time.Duration(calls-recent)
	firstSeen := func(i int) time.Time {
		if i >= calls-recent {
			return now.Add(-retain + time.Hour).Add(time.Duration(i-(calls-recent)) * recentStep)
		}
		return now.Add(-year).Add(time.Duration(i) * oldStep)
	}
	start := time.Now()
	for from := 0; from < calls; from += 10_000 {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for batch := from; batch < min(from+10_000, calls); batch += perInsert {
			var callRows, eventRows []string
			var callArgs, eventArgs []any
			for i := batch; i < min(batch+perInsert, calls); i++ {
				id := fmt.Sprint(900_000_000 + i*7)
				seen := firstSeen(i)
				done := seen.Add(20 * time.Minute)
				purged := i < calls-recent-expire
				st := pick(r)
				var kendoID any = ""
				var delivered, purgedAt, merged any
				if st == lifecycle.Delivered || st == lifecycle.Analyzed {
					kendoID, delivered = fmt.Sprintf("kc_%016x", r.Uint64()), store.Millis(done)
				}
				if purged {
					purgedAt = store.Millis(done.Add(retain))
				} else {
					merged = bodies[len(bodies)-1] // about the merged call's size
				}
				updated := done
				if purged {
					updated = done.Add(retain)
				}
				callRows = append(callRows, placeholders(len(callArgs), 17))
				callArgs = append(callArgs, id, "call", string(st), "default", kendoID, 1, store.Millis(seen), store.Millis(updated),
					store.Millis(done), delivered, purgedAt, merged, len(bodies), rawBytes, []string{"inbound", "outbound"}[r.IntN(2)],
					fmt.Sprintf("rep%02d@acme.example", r.IntN(40)), store.Millis(seen))
				for k, b := range bodies {
					raw := b
					if purged {
						raw = []byte{}
					}
					eventRows = append(eventRows, placeholders(len(eventArgs), 6))
					eventArgs = append(eventArgs, id, names[k], "call", store.Millis(seen.Add(time.Duration(k)*time.Minute)), raw, len(b))
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO ak_calls (`+callColumns+`) VALUES `+strings.Join(callRows, ", "), callArgs...); err != nil {
				return fmt.Errorf("calls: %w", err)
			}
			for k := 0; k < len(eventRows); k += perInsert {
				end := min(k+perInsert, len(eventRows))
				if _, err := tx.ExecContext(ctx, `INSERT INTO ak_events (`+eventColumns+`) VALUES `+renumber(eventRows[k:end]),
					eventArgs[k*6:end*6]...); err != nil {
					return fmt.Errorf("events: %w", err)
				}
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		if from%100_000 == 0 {
			fmt.Fprintf(os.Stderr, "benchscale: %d calls loaded in %s\n", from, time.Since(start).Round(time.Second))
		}
	}
	if db.Dialect == store.Postgres {
		if _, err := db.SQL.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "benchscale: %d calls loaded in %s\n", calls, time.Since(start).Round(time.Second))
	mid := calls / 2
	cursor := fmt.Sprintf("%d:%d", store.Millis(firstSeen(mid)), 900_000_000+mid*7)
	fmt.Println(base64.RawURLEncoding.EncodeToString([]byte(cursor)))
	return nil
}

// placeholders is one row's "($k+1, …, $k+n)".
func placeholders(k, n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", k+i+1)
	}
	return "(" + strings.Join(ph, ", ") + ")"
}

// renumber numbers a slice of rows' placeholders from $1 again.
func renumber(rows []string) string {
	out := make([]string, len(rows))
	for i, row := range rows {
		out[i] = placeholders(i*(strings.Count(row, ",")+1), strings.Count(row, ",")+1)
	}
	return strings.Join(out, ", ")
}

func get(url string, n int) error {
	var ms []float64
	for range n {
		start := time.Now()
		res, err := http.Get(url)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, res.Status)
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	slices.Sort(ms)
	fmt.Printf("median %.2f ms, p95 %.2f ms, max %.2f ms\n", pct(ms, 50), pct(ms, 95), ms[len(ms)-1])
	return nil
}

func pct(sorted []float64, p float64) float64 {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p/100))]
}

// purgedLine is the service's JSON log line of a retention run that purged calls.
var purgedLine = regexp.MustCompile(`retention: content of finished calls purged.*"calls":(\d+).*"took":(\d+)`) // nanoseconds

func push(url string, rate float64, logFile string, dur time.Duration, dir string) error {
	bodies, _, err := events(dir)
	if err != nil {
		return err
	}
	type sent struct {
		at time.Time
		ms float64
	}
	var all []sent
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	deadline := time.Now().Add(10 * time.Minute)
	if logFile == "" {
		deadline = time.Now().Add(dur)
	}
	for i := 0; time.Now().Before(deadline); i++ {
		<-tick.C
		body := bytes.ReplaceAll(bodies[0], []byte("940868616"), fmt.Appendf(nil, "%d", 800_000_000+i))
		start := time.Now()
		res, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("POST %s: %s", url, res.Status)
		}
		all = append(all, sent{start, float64(time.Since(start).Microseconds()) / 1000})
		if logFile == "" || i%int(rate) != 0 {
			continue
		}
		m, err := findPurge(logFile)
		if err != nil || m == nil {
			continue
		}
		ns, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return err
		}
		took := time.Duration(ns)
		from := time.Now().Add(-time.Second - took) // the run ended at most a second ago
		var during []float64
		for _, s := range all {
			if !s.at.Before(from) {
				during = append(during, s.ms)
			}
		}
		slices.Sort(during)
		fmt.Printf("retention purged %s calls in %s; /push during it: %d requests, median %.1f ms, p99 %.1f ms, max %.1f ms\n",
			m[1], took, len(during), pct(during, 50), pct(during, 99), during[len(during)-1])
		return nil
	}
	if logFile != "" {
		fmt.Printf("no retention run logged in 10 minutes; /push meanwhile: ")
	}
	if len(all) > 0 {
		ms := make([]float64, len(all))
		for i, s := range all {
			ms[i] = s.ms
		}
		slices.Sort(ms)
		fmt.Printf("/push: %d requests, median %.1f ms, p99 %.1f ms, max %.1f ms\n", len(ms), pct(ms, 50), pct(ms, 99), ms[len(ms)-1])
	}
	return nil
}

func findPurge(logFile string) ([]string, error) {
	f, err := os.Open(logFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := purgedLine.FindStringSubmatch(sc.Text()); m != nil {
			return m, nil
		}
	}
	return nil, sc.Err()
}

// size reports where the database's bytes go: the files (or PostgreSQL's database), the
// bytes in use (SQLite: the cells of every table and index, without the pages' unused
// space and the free pages; PostgreSQL: the tables' and indexes' relations, whose free
// space VACUUM leaves for new rows), the largest tables, and per call: the content a kept
// call holds (raw events, merged call), and the rest of a call's rows (ids, status,
// events' names and times, indexes), which a purged call keeps.
func size(ctx context.Context, loc string, calls int) error {
	var files int64
	path, isSQLite := location.SQLitePath(loc)
	if isSQLite {
		for _, f := range []string{path, path + "-wal"} {
			if st, err := os.Stat(f); err == nil {
				files += st.Size()
			}
		}
	}
	db, err := store.Open(ctx, loc, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	q := `SELECT name, SUM(pgsize), SUM(pgsize - unused) FROM dbstat GROUP BY name`
	if !isSQLite {
		if err := db.SQL.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&files); err != nil {
			return err
		}
		q = `SELECT relname, pg_total_relation_size(oid), pg_total_relation_size(oid) FROM pg_class
			WHERE relkind = 'r' AND relname LIKE 'ak\_%'`
	}
	rows, err := db.SQL.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	type table struct {
		name        string
		pages, used int64
	}
	var tables []table
	var inUse int64
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.pages, &t.used); err != nil {
			return err
		}
		tables = append(tables, t)
		inUse += t.used
	}
	rows.Close()
	slices.SortFunc(tables, func(a, b table) int { return int(b.pages - a.pages) })
	// The content by call: kept (not purged) and purged.
	var kept, purged, keptContent, purgedContent int64
	crows, err := db.SQL.QueryContext(ctx, `SELECT c.purged_ms IS NOT NULL, COUNT(*),
		CAST(SUM(COALESCE(LENGTH(c.merged), 0) + COALESCE(e.raw, 0)) AS BIGINT) FROM ak_calls c
		LEFT JOIN (SELECT aloware_call_id, SUM(LENGTH(raw)) AS raw FROM ak_events GROUP BY aloware_call_id) e
		ON e.aloware_call_id = c.aloware_call_id GROUP BY 1`)
	if err != nil {
		return err
	}
	for crows.Next() {
		var isPurged bool
		var n, content int64
		if err := crows.Scan(&isPurged, &n, &content); err != nil {
			return err
		}
		if isPurged {
			purged, purgedContent = n, content
		} else {
			kept, keptContent = n, content
		}
	}
	crows.Close()
	mb := func(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
	row := (inUse - keptContent - purgedContent) / int64(max(calls, 1))
	fmt.Printf("%s on disk (%d bytes per call), %s in use (%d per call); a kept call %d bytes (%d of content), a purged call %d (%d of content); %d kept, %d purged\n",
		mb(files), files/int64(max(calls, 1)), mb(inUse), inUse/int64(max(calls, 1)),
		row+keptContent/max(kept, 1), keptContent/max(kept, 1), row+purgedContent/max(purged, 1), purgedContent/max(purged, 1), kept, purged)
	if isSQLite {
		var pageSize, pageCount, free int64
		_ = db.SQL.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize)
		_ = db.SQL.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pageCount)
		_ = db.SQL.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free)
		fmt.Printf("  pages: %s, of them free %s\n", mb(pageCount*pageSize), mb(free*pageSize))
	}
	for _, t := range tables[:min(4, len(tables))] {
		fmt.Printf("  %s: %s of pages, %s in use\n", t.name, mb(t.pages), mb(t.used))
	}
	return nil
}
