package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/store"
)

func openDBs(t *testing.T) map[string]*store.DB {
	dbs := map[string]*store.DB{}
	for name, location := range testenv.Databases() {
		db, err := store.Open(context.Background(), location(t), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[name] = db
	}
	return dbs
}

// TakeSlot allows at most limit sends in any rolling window, tells each waiting call when
// its turn comes, and keeps keys apart. A token bucket with a full burst would let the
// sends at 59 s through; the log refuses them. A call that waits is queued: the ones
// behind it wait longer, and a newcomer never overtakes a call whose turn has come.
func TestTakeSlotRollingWindow(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	const window = time.Minute
	ms := time.Millisecond
	steps := []struct {
		at       time.Duration
		key      string
		call     string
		wantWait time.Duration // 0 = a slot is granted
	}{
		{0, "key_a", "c1", 0},
		{1 * time.Second, "key_a", "c2", 0},
		{2 * time.Second, "key_a", "c3", 0},
		{3 * time.Second, "key_a", "c4", 57*time.Second + ms}, // the send at 0 must leave first
		{3 * time.Second, "key_b", "c9", 0},                   // another key has its own window
		{59 * time.Second, "key_a", "c5", 2*time.Second + ms}, // behind c4, whose turn comes at 60.001
		{59 * time.Second, "key_a", "c4", time.Second + ms},   // back too early: c4 keeps its place
		{60*time.Second + ms, "key_a", "c4", 0},               // c4's turn
		{60*time.Second + 2*ms, "key_a", "c6", 2*time.Second - ms},
		{61*time.Second + ms, "key_a", "c5", 0}, // c5's turn; c6 queued behind does not block it
		{62*time.Second + ms, "key_a", "c6", 0},
	}
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			for i, s := range steps {
				id, wait, err := takeSlot(ctx, db, s.key, s.call, 3, window, at(t0.Add(s.at)))
				if err != nil {
					t.Fatal(err)
				}
				if wait != s.wantWait || (wait == 0) != (id != 0) {
					t.Fatalf("step %d (%s %s at %s): slot %d, wait %s; want wait %s", i, s.key, s.call, s.at, id, wait, s.wantWait)
				}
			}
		})
	}
}

// A burst of freed slots wakes as many waiting calls at once (the fastest legal drain),
// and the calls beyond them wait one window more — each call once, not every call per slot.
func TestTakeSlotQueuesABacklogInTurns(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	const limit, window = 3, time.Second
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			turns := map[time.Duration]int{}
			for c := range 9 {
				id, wait, err := takeSlot(ctx, db, "key_a", fmt.Sprint("c", c), limit, window, at(t0))
				if err != nil {
					t.Fatal(err)
				}
				if wait == 0 && id == 0 {
					t.Fatal("no slot and no wait")
				}
				turns[wait]++
			}
			want := map[time.Duration]int{0: 3, window + time.Millisecond: 3, 2*window + 2*time.Millisecond: 3}
			if fmt.Sprint(turns) != fmt.Sprint(want) {
				t.Fatalf("turns %v, want %v", turns, want)
			}
			for c := 3; c < 6; c++ { // the second three come back at their turn, all get a slot
				if _, wait, err := takeSlot(ctx, db, "key_a", fmt.Sprint("c", c), limit, window, at(t0.Add(window+time.Millisecond))); err != nil || wait != 0 {
					t.Fatalf("c%d at its turn: wait %s, %v", c, wait, err)
				}
			}
		})
	}
}

// A call that comes back at its turn and finds the window still full — a slot it was
// queued behind was re-dated later, to when Kendo answered — keeps its place: it waits
// until that slot leaves the window, not behind every call queued after it. So does the
// next wave, which the late send pushes back by as much, and no more.
func TestTakeSlotKeepsTheTurnOfACallWhoseSlotWasRedated(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	const limit, window, late = 3, time.Second, 200 * time.Millisecond
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			var first int64
			for c := range 12 { // turns at 0 (c0-c2), 1.001 s, 2.002 s, 3.003 s
				id, _, err := takeSlot(ctx, db, "key_a", fmt.Sprint("c", c), limit, window, at(t0))
				if err != nil {
					t.Fatal(err)
				}
				if c == 0 {
					first = id
				}
			}
			if err := db.MoveSlot(ctx, db.SQL, first, t0.Add(late)); err != nil {
				t.Fatal(err)
			}
			take := func(c int, now time.Time) time.Duration {
				t.Helper()
				_, wait, err := takeSlot(ctx, db, "key_a", fmt.Sprint("c", c), limit, window, at(now))
				if err != nil {
					t.Fatal(err)
				}
				return wait
			}
			// At the second turn three calls are due and two sends are free: the first to
			// come back waits for c0's slot, the others take theirs.
			second := t0.Add(window + time.Millisecond)
			if wait := take(3, second); wait != late {
				t.Fatalf("c3 at its turn, c0's slot still in the window: wait %s, want %s (until it leaves)", wait, late)
			}
			for _, c := range []int{4, 5} {
				if wait := take(c, second); wait != 0 {
					t.Fatalf("c%d at its turn: wait %s", c, wait)
				}
			}
			if wait := take(3, second.Add(late)); wait != 0 {
				t.Fatalf("c3 when c0's slot has left the window: wait %s", wait)
			}
			third := t0.Add(2*window + 2*time.Millisecond)
			if wait := take(6, third); wait != late {
				t.Fatalf("c6 at its turn, c3's late slot in the window: wait %s, want %s", wait, late)
			}
			for _, c := range []int{7, 8} {
				if wait := take(c, third); wait != 0 {
					t.Fatalf("c%d at its turn: wait %s", c, wait)
				}
			}
		})
	}
}

// A turn behind a request still on its way is counted from when the request left, not
// from its in-flight date (the send plus the pacing margin, by when it has surely reached
// Kendo): it is almost always answered long before then, and its slot re-dated to the
// answer. A call that comes back at that turn and finds the answer still in the window
// waits for it to leave, a few milliseconds. Counted from the in-flight date, the last
// call of a 100-call drain at 20/s left a margin (100 ms) after its window.
func TestTakeSlotCountsATurnBehindARequestOnItsWayFromItsSend(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	const window, margin = time.Second, 100 * time.Millisecond
	ms := time.Millisecond
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			take := func(call string, now time.Time) (int64, time.Duration) {
				t.Helper()
				id, wait, err := takeSlotWithMargin(ctx, db, "key_a", call, 1, window, margin, at(now))
				if err != nil {
					t.Fatal(err)
				}
				return id, wait
			}
			first, _ := take("c0", t0)
			if err := db.MoveSlot(ctx, db.SQL, first, t0.Add(margin)); err != nil { // on its way
				t.Fatal(err)
			}
			if _, wait := take("c1", t0.Add(10*ms)); wait != window-9*ms {
				t.Fatalf("c1 behind c0's request on its way: wait %s, want %s (a window after c0 left)", wait, window-9*ms)
			}
			if err := db.MoveSlot(ctx, db.SQL, first, t0.Add(5*ms)); err != nil { // Kendo answered
				t.Fatal(err)
			}
			if _, wait := take("c1", t0.Add(window+ms)); wait != 5*ms {
				t.Fatalf("c1 at its turn, c0 answered 5 ms after it left: wait %s, want 5ms", wait)
			}
			if id, wait := take("c1", t0.Add(window+6*ms)); id == 0 || wait != 0 {
				t.Fatalf("c1 once c0's answer left the window: slot %d, wait %s", id, wait)
			} else if err := db.MoveSlot(ctx, db.SQL, id, t0.Add(window+6*ms+margin)); err != nil { // on its way, never answered
				t.Fatal(err)
			}
			// c2 queues a window after c1 left; back then, c1's request is still unanswered
			// and dated at its margin: c2 waits for that.
			if _, wait := take("c2", t0.Add(window+20*ms)); wait != window-13*ms {
				t.Fatalf("c2 behind c1's request on its way: wait %s, want %s", wait, window-13*ms)
			}
			if _, wait := take("c2", t0.Add(2*window+7*ms)); wait != margin {
				t.Fatalf("c2 at its turn, c1 still unanswered: wait %s, want the margin (%s)", wait, margin)
			}
		})
	}
}

// A slot re-dated to when Kendo answered counts from then on.
func TestMoveSlot(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			id, _, err := takeSlot(ctx, db, "key_a", "c1", 1, time.Minute, at(t0))
			if err != nil {
				t.Fatal(err)
			}
			if err := db.MoveSlot(ctx, db.SQL, id, t0.Add(10*time.Second)); err != nil {
				t.Fatal(err)
			}
			_, wait, err := takeSlot(ctx, db, "key_a", "c2", 1, time.Minute, at(t0.Add(time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			if wait != 10*time.Second+time.Millisecond {
				t.Fatalf("wait %s, want 10.001s: the window must count from the answer", wait)
			}
		})
	}
}

// TrySlot takes a free send and never queues: not when the window is full, not when a
// call waits for its turn — a request no call depends on must not delay one.
func TestTrySlotNeverQueues(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 8, 5, 20, 0, 0, 0, time.UTC)
	for name, db := range openDBs(t) {
		t.Run(name, func(t *testing.T) {
			if _, ok, err := db.TrySlot(ctx, "key_a", 2, time.Minute, at(t0)); err != nil || !ok {
				t.Fatalf("a free window: ok %v, err %v", ok, err)
			}
			if _, wait, err := takeSlot(ctx, db, "key_a", "c1", 2, time.Minute, at(t0.Add(time.Second))); err != nil || wait != 0 {
				t.Fatalf("the second send: wait %s, err %v", wait, err)
			}
			if _, ok, err := db.TrySlot(ctx, "key_a", 2, time.Minute, at(t0.Add(2*time.Second))); err != nil || ok {
				t.Fatalf("a full window: ok %v, err %v", ok, err)
			}
			// c2 queues for its turn at t0+1m; just before it, the window has room for
			// nobody else.
			if _, wait, err := takeSlot(ctx, db, "key_a", "c2", 2, time.Minute, at(t0.Add(3*time.Second))); err != nil || wait == 0 {
				t.Fatalf("c2 in a full window: wait %s, err %v", wait, err)
			}
			if _, ok, err := db.TrySlot(ctx, "key_a", 2, time.Minute, at(t0.Add(time.Minute+500*time.Millisecond))); err != nil || ok {
				t.Fatalf("a slot freed while c2 waits for it: ok %v, err %v", ok, err)
			}
			if n, err := db.SlotsInWindow(ctx, "key_a", time.Minute, t0.Add(2*time.Second)); err != nil || n != 2 {
				t.Fatalf("sends in the window %d, err %v; want the two taken", n, err)
			}
		})
	}
}

// at is a clock that always reads t.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// takeSlot runs TakeSlot in a transaction of its own, as a delivery does.
func takeSlot(ctx context.Context, db *store.DB, keyID, alowareCallID string, limit int, window time.Duration, clock func() time.Time) (int64, time.Duration, error) {
	return takeSlotWithMargin(ctx, db, keyID, alowareCallID, limit, window, 0, clock)
}

// takeSlotWithMargin is takeSlot for a key whose requests on their way are dated margin
// after they left.
func takeSlotWithMargin(ctx context.Context, db *store.DB, keyID, alowareCallID string, limit int, window, margin time.Duration, clock func() time.Time) (int64, time.Duration, error) {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	id, wait, err := db.TakeSlot(ctx, tx, keyID, alowareCallID, store.Pace{Limit: limit, Window: window, Margin: margin}, clock)
	if err != nil {
		return 0, 0, err
	}
	return id, wait, tx.Commit()
}
