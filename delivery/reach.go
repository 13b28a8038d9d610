package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// recordReach books a request's pacing slot and the key's reachability with its answer.
// A request that never reached Kendo (refused, DNS, TLS) gives its slot back — Kendo
// counted nothing, and an outage must not read as "window full" — and marks the key
// unreachable since the first such request. Any answer from Kendo ends the outage; the
// slot is re-dated to the answer (see store.MoveSlot). A request sent without an answer
// says nothing either way: Kendo may have had it, so its slot stays. People are told once
// when an outage starts and once when it ends (kendo.unreachable, kendo.recovered), not
// of each request.
func (s *Service) recordReach(ctx context.Context, t *callTx, team teams.Team, slotID int64, res kendo.Result, finished time.Time) error {
	if res.Outcome == kendo.Unreachable {
		if err := s.db.DropSlot(ctx, t.tx, slotID); err != nil {
			return err
		}
		started, err := s.db.MarkUnreachable(ctx, t.tx, store.Unreachable{KeyID: team.KeyID(), Team: team.Name, Since: finished, Message: res.Message})
		if err != nil || !started {
			return err
		}
		return t.raise(ctx, notify.Event{Type: notify.KendoUnreachable, Team: team.Name, At: finished,
			Cause: "could not reach Kendo: " + res.Message})
	}
	if err := s.db.MoveSlot(ctx, t.tx, slotID, finished); err != nil {
		return err
	}
	if res.Status == 0 {
		return nil
	}
	recovered, err := s.db.MarkReachable(ctx, t.tx, team.KeyID())
	if err != nil || !recovered {
		return err
	}
	s.log.Info("Kendo answers again: the key is reachable", "keyId", team.KeyID(), "team", team.Name)
	return t.raise(ctx, notify.Event{Type: notify.KendoRecovered, Team: team.Name, At: finished,
		Cause: fmt.Sprintf("Kendo answered a request (HTTP %d)", res.Status)})
}
