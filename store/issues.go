package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// IssueGroup is the calls that wait for a person for one cause: failed (outcome unknown
// counted apart, as it needs a check in Kendo first), or unrouted.
type IssueGroup struct {
	Status         lifecycle.Status
	OutcomeUnknown bool
	Cause          string
	Calls          int
	FirstSeen      time.Time // the earliest last change among them (when the oldest became an issue)
	LastSeen       time.Time
}

// issueCause is a call's cause as the groups read it: what Kendo answered when a failed
// call has it (the same for every call a bad rep map fails), else the reason.
const issueCause = `CASE WHEN status = 'failed' AND outcome_unknown = 0 AND last_error <> '' THEN last_error ELSE reason END`

// issueWhere selects the open issues: failed or unrouted calls whose content is kept
// (a purged call can no longer be sent, so it is nobody's task).
const issueWhere = `status IN ('failed', 'unrouted') AND purged_ms IS NULL`

// IssueGroups lists the open issues grouped by status and cause, largest first.
func (db *DB) IssueGroups(ctx context.Context, limit int) ([]IssueGroup, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT status, outcome_unknown, `+issueCause+` AS cause, COUNT(*), MIN(updated_ms), MAX(updated_ms)
		FROM ak_calls WHERE `+issueWhere+` GROUP BY status, outcome_unknown, cause ORDER BY COUNT(*) DESC, MAX(updated_ms) DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("db: issues: %w", db.Scrub(err))
	}
	defer rows.Close()
	var out []IssueGroup
	for rows.Next() {
		var g IssueGroup
		var status string
		var unknown, first, last int64
		if err := rows.Scan(&status, &unknown, &g.Cause, &g.Calls, &first, &last); err != nil {
			return nil, db.Scrub(err)
		}
		g.Status, g.OutcomeUnknown, g.FirstSeen, g.LastSeen = lifecycle.Status(status), unknown != 0, FromMillis(first), FromMillis(last)
		out = append(out, g)
	}
	return out, db.Scrub(rows.Err())
}

// IssueCallIDs lists the calls of one issue group.
func (db *DB) IssueCallIDs(ctx context.Context, status lifecycle.Status, outcomeUnknown bool, cause string) ([]string, error) {
	unknown := 0
	if outcomeUnknown {
		unknown = 1
	}
	return callIDs(ctx, db.SQL, `SELECT aloware_call_id FROM ak_calls WHERE `+issueWhere+`
		AND status = $1 AND outcome_unknown = $2 AND `+issueCause+` = $3`, string(status), unknown, cause)
}
