package delivery_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// markedCall is the outbound lifecycle with unique strings in every personal field: the
// recording URL, the contact's phone number, the transcript and, later, the agent's name
// in Kendo's analysis webhook. Nothing else in the database holds them, so any byte of
// them found in the database files after an erasure or a purge is the call's content.
const markedCallID = "940868616"

type markedCall struct {
	recording, phone, transcript, agent string
	events                              [][]byte
}

func newMarkedCall(t *testing.T) markedCall {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	tag := hex.EncodeToString(b[:])
	m := markedCall{
		recording:  "rec" + tag + "-a77e",
		phone:      fmt.Sprintf("312555%04d", int(b[0])*39%10000),
		transcript: "Harbor" + tag + "Insurance",
		agent:      "Agent" + tag + "Smith",
	}
	for _, raw := range recorded(t, "outbound-940868616") {
		raw = bytes.ReplaceAll(raw, []byte("32c1a2f8-5b7e-4c0a-9d1e-7f6a2b3c4d5e"), []byte(m.recording))
		raw = bytes.ReplaceAll(raw, []byte("2025550177"), []byte(m.phone))
		raw = bytes.ReplaceAll(raw, []byte("Harbor Insurance"), []byte(m.transcript))
		m.events = append(m.events, raw)
	}
	for _, want := range []string{m.recording, m.phone, m.transcript} {
		if !bytes.Contains(bytes.Join(m.events, nil), []byte(want)) {
			t.Fatalf("the fixture no longer carries %q", want)
		}
	}
	return m
}

func (m markedCall) markers() []string { return []string{m.recording, m.phone, m.transcript, m.agent} }

// webhook is Kendo's call.uploaded for the call, naming the agent.
func (m markedCall) webhook(t *testing.T, deliveryID, kendoCallID, agent string) webhook {
	t.Helper()
	raw := fmt.Appendf(nil, `{"id":"evt_%s","event":"call.uploaded","data":{"callId":%q,"agentName":%q,"aiScore":"80"}}`,
		deliveryID, kendoCallID, agent)
	h := http.Header{}
	h.Set(kendo.DeliveryIDHeader, deliveryID)
	ev, err := kendo.ParseWebhook(h, raw)
	if err != nil {
		t.Fatal(err)
	}
	return webhook{ev, raw}
}

// kendoQuotingTheURL answers the first request 429 with a text quoting the payload's
// audioUrl (stored in the attempt log), then accepts.
func kendoQuotingTheURL(n int64, w http.ResponseWriter, r *http.Request) bool {
	if n != 1 {
		return false
	}
	body, _ := io.ReadAll(r.Body)
	var p struct {
		AudioURL string `json:"audioUrl"`
	}
	_ = json.Unmarshal(body, &p)
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprintf(w, `{"message":"slow down; audioUrl %s queued"}`, p.AudioURL)
	return true
}

// fileHits counts each marker in the SQLite database file, its WAL and its shared-memory
// index, as `strings` on those files would find them.
func fileHits(t *testing.T, loc string, markers []string) (hits map[string]int, total, size int) {
	t.Helper()
	path := strings.TrimPrefix(strings.TrimPrefix(loc, "sqlite:"), "//")
	hits = map[string]int{}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markers {
			n := bytes.Count(b, []byte(m))
			hits[f[len(path):]+":"+m] += n
			total, size = total+n, size+n*len(m)
		}
	}
	return hits, total, size
}

// checkpoint copies the WAL into the database file, as SQLite's automatic checkpoint
// does every 1,000 pages: the call's content is then in the file's pages, not only in
// the log.
func checkpoint(t *testing.T, loc string) {
	t.Helper()
	db := inspect(t, loc)
	if _, err := db.SQL.Exec(`PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// deadTuples counts, with pgstattuple (which reads every page, so it does not wait for
// the statistics collector), the row versions PostgreSQL still keeps on disk that no
// transaction can see any more — an erased call's old rows until a VACUUM removes them —
// in the tables an erasure or a purge touches and their TOAST tables.
func deadTuples(t *testing.T, loc string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE EXTENSION IF NOT EXISTS pgstattuple`); err != nil {
		t.Skipf("pgstattuple is not available: %v", err)
	}
	rows, err := db.Query(`SELECT c.relname, s.dead_tuple_count FROM pg_class c, LATERAL pgstattuple(c.oid) s
		WHERE c.relname IN ('ak_events', 'ak_calls', 'ak_attempts', 'ak_sent_bodies', 'ak_kendo_webhooks', 'ak_quarantine')
		UNION ALL
		SELECT c.relname || '.toast', s.dead_tuple_count FROM pg_class c, LATERAL pgstattuple(c.reltoastrelid) s
		WHERE c.relname IN ('ak_events', 'ak_calls', 'ak_attempts', 'ak_sent_bodies', 'ak_kendo_webhooks', 'ak_quarantine') AND c.reltoastrelid <> 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	dead := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			dead[name] = n
		}
	}
	return dead
}

// pageHits counts the markers in the raw pages of the content tables and their TOAST
// tables (pageinspect), as `strings` on their heap files would find them. It is reported,
// not asserted: VACUUM makes a removed row's space free, but leaves its bytes until the
// space is reused (a compressed or TOASTed value is not found this way at all).
func pageHits(t *testing.T, loc string, markers []string) (total, size int) {
	t.Helper()
	db, err := sql.Open("pgx", loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE EXTENSION IF NOT EXISTS pageinspect`); err != nil {
		t.Logf("pageinspect is not available: %v", err)
		return 0, 0
	}
	rows, err := db.Query(`SELECT get_raw_page(r.oid::regclass::text, b.n) FROM
		(SELECT oid FROM pg_class WHERE relname IN ('ak_events', 'ak_calls', 'ak_attempts', 'ak_sent_bodies', 'ak_kendo_webhooks', 'ak_quarantine')
		 UNION ALL SELECT reltoastrelid FROM pg_class
		 WHERE relname IN ('ak_events', 'ak_calls', 'ak_attempts', 'ak_sent_bodies', 'ak_kendo_webhooks', 'ak_quarantine') AND reltoastrelid <> 0) r,
		LATERAL generate_series(0, pg_relation_size(r.oid) / current_setting('block_size')::int - 1) b(n)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var page []byte
		if err := rows.Scan(&page); err != nil {
			t.Fatal(err)
		}
		for _, m := range markers {
			n := bytes.Count(page, []byte(m))
			total, size = total+n, size+n*len(m)
		}
	}
	return total, size
}

// bodySentHolds fails the test unless the body kept with the marked call's request holds
// its recording URL (the transcript may come after the call was sent): an erasure or a
// purge must remove it.
func bodySentHolds(t *testing.T, loc string, m markedCall) {
	t.Helper()
	db := inspect(t, loc)
	sent, ok, err := db.LastSentBody(context.Background(), db.SQL, markedCallID)
	if err != nil || !ok {
		t.Fatalf("no body kept with the call's request: %v", err)
	}
	if !bytes.Contains(sent.Body, []byte(m.recording)) {
		t.Fatalf("the body kept with the call's request lacks its recording URL %q", m.recording)
	}
}

// noTrace checks that the database files hold nothing of the marked call any more: on
// SQLite no byte of its markers in the database, WAL or shm file; on PostgreSQL no dead
// row version left behind in the touched tables.
func noTrace(t *testing.T, engine, loc string, m markedCall, when string) {
	t.Helper()
	if engine == "postgres" {
		if dead := deadTuples(t, loc); len(dead) > 0 {
			t.Errorf("%s: PostgreSQL keeps dead row versions: %v", when, dead)
		}
		total, size := pageHits(t, loc, m.markers())
		t.Logf("%s: %d hits (%d bytes) of the call's markers in the tables' pages (VACUUM frees them, it does not zero them)", when, total, size)
		return
	}
	hits, total, size := fileHits(t, loc, m.markers())
	t.Logf("%s: %d hits (%d bytes) of the call's markers in the database files: %v", when, total, size, hits)
	if total > 0 {
		t.Errorf("%s: the database files still hold the call's content: %v", when, hits)
	}
}

// Erased means gone from the files: after Erase returns, `strings` on the SQLite
// database, its WAL and shm files finds none of the call's recording URL, phone number,
// transcript or agent name (PostgreSQL keeps no dead row version of them); Kendo's
// webhook arriving for the erased call afterwards is stored without its body.
func TestErasedCallLeavesNoByteInTheDatabaseFiles(t *testing.T) {
	for engine, db := range databases() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			loc := db(t)
			m := newMarkedCall(t)
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			k.SetFault(kendoQuotingTheURL)
			svc := startEngine(t, loc, k.URL(), engineOpts{})
			for _, raw := range m.events {
				accept(t, svc, raw)
			}
			rec := waitStatus(t, svc, markedCallID, lifecycle.Delivered, 30*time.Second)
			if len(rec.AttemptLog) != 2 || !strings.Contains(rec.AttemptLog[0].Message, m.recording) {
				t.Fatalf("want Kendo's first answer quoting the recording URL in the attempt log: %+v", rec.AttemptLog)
			}
			record(t, svc, m.webhook(t, "dlv-1", rec.KendoCallID, m.agent), delivery.WebhookMatched)
			bodySentHolds(t, loc, m)
			if engine == "sqlite" {
				checkpoint(t, loc)
				hits, total, size := fileHits(t, loc, m.markers())
				t.Logf("before the erasure: %d hits (%d bytes) of the call's markers in the database files: %v", total, size, hits)
				for _, marker := range m.markers() {
					if hits[":"+marker] == 0 {
						t.Fatalf("the scan cannot see %q in the database file before the erasure: %v", marker, hits)
					}
				}
			} else {
				total, size := pageHits(t, loc, m.markers())
				t.Logf("before the erasure: %d hits (%d bytes) of the call's markers in the tables' pages", total, size)
			}

			if _, err := svc.Erase(ctx, markedCallID, "an operator in a test"); err != nil {
				t.Fatal(err)
			}
			noTrace(t, engine, loc, m, "after the erasure")

			// Kendo's analysis webhook arriving for the erased call keeps no body.
			late := m.webhook(t, "dlv-2", rec.KendoCallID, "Late"+m.agent)
			record(t, svc, late, delivery.WebhookUnmatched)
			if engine == "sqlite" {
				if hits, total, _ := fileHits(t, loc, []string{"Late" + m.agent}); total > 0 {
					t.Errorf("the webhook for the erased call was kept with its body: %v", hits)
				}
			} else {
				var size int
				if err := inspect(t, loc).SQL.QueryRow(`SELECT length(raw) FROM ak_kendo_webhooks WHERE delivery_id = 'dlv-2'`).Scan(&size); err != nil || size != 0 {
					t.Errorf("the webhook for the erased call was kept with %d bytes of body (%v)", size, err)
				}
			}
		})
	}
}

// The same after a retention purge: once the purge run is over (its log line), nothing
// of the purged call remains in the files.
func TestPurgedCallLeavesNoByteInTheDatabaseFiles(t *testing.T) {
	for engine, db := range databases() {
		t.Run(engine, func(t *testing.T) {
			loc := db(t)
			m := newMarkedCall(t)
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			k.SetFault(kendoQuotingTheURL)
			var logs testenv.LogBuffer
			svc := startEngine(t, loc, k.URL(), engineOpts{retain: 2 * time.Second, logs: &logs})
			for _, raw := range m.events {
				accept(t, svc, raw)
			}
			rec := waitStatus(t, svc, markedCallID, lifecycle.Delivered, 30*time.Second)
			record(t, svc, m.webhook(t, "dlv-1", rec.KendoCallID, m.agent), delivery.WebhookMatched)
			bodySentHolds(t, loc, m)
			if engine == "sqlite" {
				checkpoint(t, loc) // the call's content in the database file's pages, not only in the WAL
			}
			waitFor(t, 30*time.Second, "the retention run that purges the call", func() bool {
				return strings.Contains(logs.String(), "retention: content of finished calls purged")
			})
			noTrace(t, engine, loc, m, "after the purge")
		})
	}
}
