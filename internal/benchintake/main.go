// Command benchintake is the load and the yardstick of scripts/bench-intake.sh (durable
// intake against bare SQLite on the same disk).
//
//	benchintake push -url http://127.0.0.1:8080/push -clients 8 -for 20s DIR
//	    clients each post whole lifecycles (DIR's event files in name order) under fresh
//	    call ids, one event after the other; every answer must be a 2xx. Prints events/s.
//	benchintake bare -db /path/x.db -clients 8 -for 20s -size N
//	    the same number of concurrent writers committing one row of N bytes each, one
//	    transaction per row, on SQLite with WAL and synchronous=FULL, as the service opens
//	    it. Prints commits/s.
package main

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchintake push|bare [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	clients := fs.Int("clients", 8, "concurrent clients (writers)")
	dur := fs.Duration("for", 20*time.Second, "how long to run")
	url := fs.String("url", "http://127.0.0.1:8080/push", "push: the service's /push")
	db := fs.String("db", "", "bare: the SQLite file")
	size := fs.Int("size", 4096, "bare: bytes per row")
	_ = fs.Parse(os.Args[2:])
	var n int64
	var err error
	switch os.Args[1] {
	case "push":
		n, err = push(*url, fs.Arg(0), *clients, *dur)
	case "bare":
		n, err = bare(*db, *size, *clients, *dur)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchintake:", err)
		os.Exit(1)
	}
	fmt.Printf("%.0f\n", float64(n)/dur.Seconds())
}

// lifecycle reads a call's event files and the call id they share (the first event's).
func lifecycle(dir string) ([][]byte, string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, "", fmt.Errorf("no events in %s", dir)
	}
	sort.Strings(files)
	var events [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, "", err
		}
		events = append(events, b)
	}
	return events, filepath.Base(dir)[len(filepath.Base(dir))-9:], nil
}

func push(url, dir string, clients int, dur time.Duration) (int64, error) {
	events, id, err := lifecycle(dir)
	if err != nil {
		return 0, err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var done, calls atomic.Int64
	var failure atomic.Value
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && failure.Load() == nil {
				call := strconv.FormatInt(700000000+int64(c)*10000000+calls.Add(1), 10)
				for _, ev := range events {
					body := bytes.ReplaceAll(ev, []byte(id), []byte(call))
					resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
					if err != nil {
						failure.Store(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						failure.Store(fmt.Errorf("answer %d", resp.StatusCode))
						return
					}
					if time.Now().Before(deadline) {
						done.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	if f := failure.Load(); f != nil {
		return 0, f.(error)
	}
	return done.Load(), nil
}

func bare(path string, size, clients int, dur time.Duration) (int64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY AUTOINCREMENT, raw BLOB NOT NULL)`); err != nil {
		return 0, err
	}
	row := bytes.Repeat([]byte("x"), size)
	var done atomic.Int64
	var failure atomic.Value
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				tx, err := db.Begin()
				if err == nil {
					if _, err = tx.Exec(`INSERT INTO rows (raw) VALUES ($1)`, row); err == nil {
						err = tx.Commit()
					} else {
						_ = tx.Rollback()
					}
				}
				if err != nil {
					failure.Store(err)
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if f := failure.Load(); f != nil {
		return 0, f.(error)
	}
	return done.Load(), nil
}
