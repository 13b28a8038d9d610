package notify_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store"
)

func openStore(t *testing.T, loc string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func inTx(t *testing.T, db *store.DB, commit bool, fn func(tx *sql.Tx) error) {
	t.Helper()
	tx, err := db.SQL.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		t.Fatal(err)
	}
	if commit {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func collect(t *testing.T, db *store.DB, o notify.Outbox, now time.Time) []notify.Message {
	t.Helper()
	var out []notify.Message
	inTx(t, db, true, func(tx *sql.Tx) (err error) {
		out, err = o.Collect(context.Background(), tx, now)
		return err
	})
	return out
}

func TestOutboxGroupsPerTypeAndTeamOncePerInterval(t *testing.T) {
	for name, newDB := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			db := openStore(t, newDB(t))
			ctx := context.Background()
			o := notify.Outbox{Interval: 5 * time.Minute, PublicURL: "https://sync.example.com"}
			t0 := time.Date(2027, 1, 15, 8, 0, 0, 0, time.UTC)
			raise := func(commit bool, at time.Time, typ notify.Type, team, id, cause string) {
				inTx(t, db, commit, func(tx *sql.Tx) error {
					return notify.Raise(ctx, tx, notify.Event{Type: typ, Team: team, AlowareCallID: id, Cause: cause, At: at})
				})
			}
			for i := range 38 {
				raise(true, t0.Add(time.Duration(i)*time.Second), notify.CallsFailed, "sales", fmt.Sprint(100+i),
					"bad_request (HTTP 400): repEmail is not a member of team sales; caller +1 415 555 0134")
			}
			raise(true, t0, notify.CallsFailed, "support", "900", "too large for Kendo even after shrinking")
			raise(false, t0, notify.CallsUnrouted, "", "901", "rolled back: never told")

			if got := collect(t, db, o, t0.Add(10*time.Second)); len(got) != 0 {
				t.Fatalf("a group was sent before its burst had gathered: %+v", got)
			}
			got := collect(t, db, o, t0.Add(time.Minute))
			if len(got) != 2 {
				t.Fatalf("messages %+v, want one per team of calls.failed", got)
			}
			sales := got[0]
			if sales.Team != "sales" {
				sales = got[1]
			}
			if sales.Data.Calls != 38 || sales.Data.Causes[0].Count != 38 || len(sales.Data.CallLinks) != 10 {
				t.Errorf("sales message %+v", sales.Data)
			}
			if strings.Contains(sales.Data.Causes[0].Cause, "555") {
				t.Errorf("a phone number reached the outbox: %q", sales.Data.Causes[0].Cause)
			}

			raise(true, t0.Add(2*time.Minute), notify.CallsFailed, "sales", "200", "another")
			if got := collect(t, db, o, t0.Add(3*time.Minute)); len(got) != 0 {
				t.Fatalf("a second message of the same type and team within the interval: %+v", got)
			}
			got = collect(t, db, o, t0.Add(6*time.Minute))
			if len(got) != 1 || got[0].Data.Count != 1 || got[0].Data.CallLinks[0].AlowareCallID != "200" {
				t.Fatalf("after the interval: %+v", got)
			}
			loaded, err := notify.Load(ctx, db.SQL, got[0].ID)
			if err != nil || loaded.Data.Summary != got[0].Data.Summary || !loaded.CreatedAt.Equal(got[0].CreatedAt) {
				t.Errorf("Load = %+v, %v; want %+v", loaded, err, got[0])
			}
		})
	}
}

// Replicas collect at the same moment: the window of a type and team is claimed in the
// database, so exactly one of them makes the message.
func TestConcurrentCollectorsSendOneMessage(t *testing.T) {
	loc := testenv.FreshPostgres(t)
	db := openStore(t, loc)
	ctx := context.Background()
	t0 := time.Now().UTC()
	inTx(t, db, true, func(tx *sql.Tx) error {
		return notify.Raise(ctx, tx, notify.Event{Type: notify.KeyPaused, Team: "sales", Cause: "HTTP 401", At: t0})
	})
	o := notify.Outbox{Interval: time.Minute}
	var (
		mu    sync.Mutex
		total int
		wg    sync.WaitGroup
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replica := openStore(t, loc)
			tx, err := replica.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer tx.Rollback()
			msgs, err := o.Collect(ctx, tx, t0.Add(time.Minute))
			if err == nil {
				err = tx.Commit()
			}
			if err != nil {
				return // a serialization loser retries in the engine; here it simply sent nothing
			}
			mu.Lock()
			total += len(msgs)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 1 {
		t.Errorf("%d messages, want exactly 1", total)
	}
}
