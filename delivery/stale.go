package delivery

import (
	"context"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// skipStale ends calls that finished but never got a recording or transcript within
// ArtifactWait. Every replica may run it: each call goes through its own locked
// transition, which does nothing when another replica got there first.
func (s *Service) skipStale(ctx context.Context) {
	now := s.now()
	ids, err := s.db.StaleCalls(ctx, now.Add(-s.opts.ArtifactWait))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("looking for stale calls failed", "error", err)
		}
		return
	}
	for _, id := range ids {
		if err := s.transition(ctx, id, lifecycle.ArtifactTimeout{}); err == nil {
			s.callLog(id).Info("call skipped", "reason", "no recording or transcript in time")
		}
	}
}
