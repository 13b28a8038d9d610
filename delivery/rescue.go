package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/store"
)

// resumeAfterCrash runs before the workers start. On SQLite the process owns the file, so
// every delivery job still marked running belongs to a process that died: it is made
// available at once instead of waiting for River's rescuer (--rescue-after plus its 30 s
// interval). Its call is then either still scheduled (sent normally) or delivering —
// Kendo may have it — and the run flags it instead of sending again.
func (s *Service) resumeAfterCrash(ctx context.Context) error {
	if s.db.Dialect != store.SQLite {
		return nil
	}
	res, err := s.db.SQL.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running' AND kind = $1`, DeliverArgs{}.Kind())
	if err != nil {
		return fmt.Errorf("delivery: resume jobs of a stopped process: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Warn("resumed the deliveries a stopped process left running", "jobs", n)
	}
	return nil
}

// rescueEvery is how often PostgreSQL replicas look for jobs a dead replica left running.
const rescueEvery = 5 * time.Second

// rescueStuck makes available again, on PostgreSQL, the delivery jobs that have been
// running longer than --rescue-after (a replica died mid-job). River's own rescuer does
// the same every 30 s; this looks every few seconds, so a dead replica's calls wait about
// --rescue-after, not a minute more. Running such a job again is safe: its call row
// decides (a delivering call is flagged, never re-sent).
func (s *Service) rescueStuck(ctx context.Context) {
	res, err := s.db.SQL.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE state = 'running' AND kind = $1 AND attempted_at < now() - make_interval(secs => $2)`,
		DeliverArgs{}.Kind(), s.opts.RescueAfter.Seconds())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("rescuing stuck deliveries failed", "error", s.db.Scrub(err))
		}
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		s.log.Warn("rescued deliveries a stopped replica left running", "jobs", n, "runningLongerThan", s.opts.RescueAfter)
	}
}
