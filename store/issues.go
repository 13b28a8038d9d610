package store

import (
	"context"
	"database/sql"
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

// FlagGroup is the delivered calls (content kept) that carry one of the ledger's flags a
// person clears outside this service: Kendo did not analyse them in time, credited
// another agent, or got them without a rep.
type FlagGroup struct {
	Flag      lifecycle.Flag
	Calls     int
	FirstSeen time.Time // when the flag began to hold on the oldest of them
	LastSeen  time.Time
}

// flagGroupQueries count each flag as the call list's filters select it (its action
// links there), with the time the flag began: the delivery, or the analysis. $1 is the
// latest delivery whose analysis is overdue.
var flagGroupQueries = []struct {
	flag  lifecycle.Flag
	query string
}{
	{lifecycle.FlagNotAnalyzed, `SELECT COUNT(*), MIN(delivered_ms), MAX(delivered_ms) FROM ak_calls
		WHERE status = 'delivered' AND delivered_ms <= $1 AND purged_ms IS NULL`},
	{lifecycle.FlagRepMismatch, `SELECT COUNT(*), MIN(analyzed_ms), MAX(analyzed_ms) FROM ak_calls
		WHERE rep_state = 'mismatch' AND status = 'analyzed' AND purged_ms IS NULL`},
	{lifecycle.FlagSentWithoutRep, `SELECT COUNT(*), MIN(delivered_ms), MAX(delivered_ms) FROM ak_calls
		WHERE rep_state IN ('missing', 'invalid') AND status IN ('delivered', 'analyzed') AND purged_ms IS NULL`},
}

// FlagGroups lists the flags that hold on at least one call. analysisDue is the latest
// delivery whose analysis is overdue; zero when no analysis is expected (no not_analyzed).
func (db *DB) FlagGroups(ctx context.Context, analysisDue time.Time) ([]FlagGroup, error) {
	var out []FlagGroup
	for _, q := range flagGroupQueries {
		if q.flag == lifecycle.FlagNotAnalyzed && analysisDue.IsZero() {
			continue
		}
		var n int
		var first, last sql.NullInt64
		var args []any
		if q.flag == lifecycle.FlagNotAnalyzed {
			args = append(args, Millis(analysisDue))
		}
		if err := db.SQL.QueryRowContext(ctx, q.query, args...).Scan(&n, &first, &last); err != nil {
			return nil, fmt.Errorf("db: flagged issues: %w", db.Scrub(err))
		}
		if n > 0 && first.Valid && last.Valid {
			out = append(out, FlagGroup{Flag: q.flag, Calls: n, FirstSeen: FromMillis(first.Int64), LastSeen: FromMillis(last.Int64)})
		}
	}
	return out, nil
}
