package delivery_test

import (
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Once Kendo has answered a request, the next call waits for exactly Kendo's period from
// that answer (and a millisecond): the request arrived before it, so no margin is owed.
// While the request is unanswered, its slot is dated at the send plus the pacing margin
// (a second at 1/min), the latest it can have reached Kendo, and the next call's turn is
// counted from the send: by then Kendo has almost always answered (a call that finds the
// request still unanswered at its turn waits for the margin, see store.TakeSlot's test).
// The engine's clock stands still, so the turn is a date, not a timing.
func TestPacingTurnAfterAnAnsweredAndAnUnansweredRequest(t *testing.T) {
	rate := kendo.Rate{Limit: 1, Period: time.Minute}
	t0 := time.Date(2026, 8, 5, 21, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		answered bool
		turn     time.Time
	}{
		{"answered", true, t0.Add(time.Minute + time.Millisecond)},
		{"unanswered", false, t0.Add(time.Minute + time.Millisecond)},
	}
	for name, db := range databases() {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				k := newKendo(t, rate)
				arrived, release := k.HoldFirst(t)
				svc := startEngine(t, db(t), k.URL(), engineOpts{rate: rate, now: func() time.Time { return t0 }})
				events := recorded(t, "inbound-940870001")
				for _, raw := range events {
					accept(t, svc, raw)
				}
				arrived()
				if tc.answered {
					release()
					waitStatus(t, svc, "940870001", lifecycle.Delivered, 10*time.Second)
				}
				for _, raw := range events {
					accept(t, svc, withID(raw, "940870001", "940870002"))
				}
				rec := waitCall(t, svc, "940870002", "a pacing turn", 20*time.Second, func(rec delivery.CallRecord) bool {
					return rec.NextAttemptAt != nil && rec.NextAttemptAt.After(t0) // deferred for a pacing slot
				})
				if !rec.NextAttemptAt.Equal(tc.turn) {
					t.Errorf("the second call's turn is %s after the first send, want %s", rec.NextAttemptAt.Sub(t0), tc.turn.Sub(t0))
				}
				release()
			})
		}
	}
}
