package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// A call scheduled for the settle whose last expected event then arrives is due earlier
// (the grace): its job is moved to that time, not run at once only to snooze until
// then — a run that costs the intake's single SQLite connection a fetch, a transaction
// and a snooze for every call of a burst.
func TestEarlierDeliveryMovesTheJobToTheNewTime(t *testing.T) {
	for name, fresh := range testenv.Databases() {
		t.Run(name, func(t *testing.T) {
			loc := fresh(t)
			svc := openEngine(t, loc, "http://127.0.0.1:1/unused", engineOpts{settle: time.Hour}) // workers not started
			var first, last *time.Time
			for _, raw := range recorded(t, "outbound-940868616") {
				rc := accept(t, svc, raw)
				if rc.Status == lifecycle.Scheduled && first == nil {
					first = rc.DeliverAfter
				}
				last = rc.DeliverAfter
			}
			if first == nil || last == nil || !last.Before(*first) {
				t.Fatalf("deliver after %v, then %v: want the lifecycle scheduled for the settle, then earlier", first, last)
			}
			state, attempts, at := deliveryJob(t, inspect(t, loc))
			if state != "available" || attempts != 0 || !at.Equal(*last) {
				t.Fatalf("job %s, %d attempts, scheduled at %s; want available, not attempted, at the call's new time %s",
					state, attempts, at.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano))
			}
		})
	}
}

// deliveryJob reads the only delivery job of a fresh database.
func deliveryJob(t *testing.T, db *store.DB) (state string, attempts int, scheduledAt time.Time) {
	t.Helper()
	ms := `CAST(ROUND((julianday(scheduled_at) - 2440587.5) * 86400000) AS INTEGER)`
	if db.Dialect == store.Postgres {
		ms = `CAST(EXTRACT(EPOCH FROM scheduled_at) * 1000 AS BIGINT)`
	}
	var at int64
	err := db.SQL.QueryRowContext(context.Background(), `SELECT state, attempt, `+ms+` FROM river_job WHERE kind = $1`,
		delivery.DeliverArgs{}.Kind()).Scan(&state, &attempts, &at)
	if err != nil {
		t.Fatal(err)
	}
	return state, attempts, store.FromMillis(at)
}
