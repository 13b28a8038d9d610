package delivery

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/notify"
)

// notAnalyzedLookback bounds how far back the check looks for overdue deliveries: after
// a long stop, or when the webhook secret was only just set, calls delivered days ago are
// not told one by one (the ledger and the ops page still flag them).
const notAnalyzedLookback = 24 * time.Hour

// notAnalyzedBatch is how many overdue calls one check tells at most; the next check
// takes the rest.
const notAnalyzedBatch = 1000

// notAnalyzedEvery is how often the check runs: a quarter of the wait, within bounds.
func notAnalyzedEvery(within time.Duration) time.Duration {
	return min(max(within/4, 200*time.Millisecond), time.Minute)
}

// tellNotAnalyzed raises calls.not_analyzed for each delivered call Kendo has not
// analysed within AnalysisExpectedWithin. The call is marked told in the same
// transaction as the event is raised: told once, across restarts and replicas.
func (s *Service) tellNotAnalyzed(ctx context.Context) {
	now := s.now()
	due := now.Add(-s.opts.AnalysisExpectedWithin)
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		overdue, err := s.db.ClaimNotAnalyzed(ctx, t.tx, due.Add(-notAnalyzedLookback), due, notAnalyzedBatch)
		if err != nil {
			return err
		}
		for _, o := range overdue {
			if err := t.raise(ctx, notify.Event{Type: notify.CallsNotAnalyzed, Team: o.Team, AlowareCallID: o.AlowareCallID, At: now,
				Cause: "no call.uploaded from Kendo within " + s.opts.AnalysisExpectedWithin.String() + " of the delivery"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("looking for calls Kendo did not analyse failed; tried again shortly", "error", err)
	}
}
