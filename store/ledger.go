package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// LedgerWindow is what the ledger reads: the calls first seen in [Since, Until).
// AnalysisDue: a delivered call not analyzed within it is due (0: never, as when no
// webhook secret is set and Kendo cannot tell us); Now is the clock it is measured by.
type LedgerWindow struct {
	Since, Until time.Time
	AnalysisDue  time.Duration
	Now          time.Time
}

// LedgerCount is how many calls of a window share the facts of their ledger state and flags.
type LedgerCount struct {
	lifecycle.LedgerFacts
	Calls int
}

// factColumns are the facts of lifecycle.LedgerFacts as columns of ak_calls ($3 is the
// time before which a delivery is due its analysis). Everything the ledger reads is in
// the ak_calls_ledger index, in first-seen order: neither query reads the table itself.
const factColumns = `status, unanswered, outcome_unknown, CASE WHEN delivered_ms IS NULL THEN 0 ELSE 1 END,
	CASE WHEN analyzed_ms IS NULL THEN 0 ELSE 1 END, CASE WHEN rep_email = '' THEN 1 ELSE 0 END,
	CASE WHEN rep_state = 'mismatch' THEN 1 ELSE 0 END,
	CASE WHEN delivered_ms <= $3 THEN 1 ELSE 0 END`

// ledgerFrom is the table as the ledger reads it. SQLite, without statistics, would pick
// the narrower first-seen index and read every row of the window from the table.
func (db *DB) ledgerFrom() string {
	if db.Dialect == SQLite {
		return "ak_calls INDEXED BY ak_calls_ledger"
	}
	return "ak_calls"
}

func (w LedgerWindow) args() []any {
	due := int64(-1 << 62) // no delivery is that old: none is due
	if w.AnalysisDue > 0 {
		due = Millis(w.Now.Add(-w.AnalysisDue))
	}
	return []any{Millis(w.Since), Millis(w.Until), due}
}

// LedgerCounts counts the window's calls by the facts of their ledger state and flags:
// one pass over the window, a few dozen groups at most.
func (db *DB) LedgerCounts(ctx context.Context, w LedgerWindow) ([]LedgerCount, error) {
	rows, err := db.SQL.QueryContext(ctx, `SELECT `+factColumns+`, COUNT(*) FROM `+db.ledgerFrom()+`
		WHERE first_seen_ms >= $1 AND first_seen_ms < $2 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`, w.args()...)
	if err != nil {
		return nil, fmt.Errorf("store: ledger counts: %w", err)
	}
	defer rows.Close()
	var out []LedgerCount
	for rows.Next() {
		var c LedgerCount
		if err := scanFacts(rows, &c.LedgerFacts, &c.Calls); err != nil {
			return nil, fmt.Errorf("store: ledger counts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanFacts(row scanner, f *lifecycle.LedgerFacts, more ...any) error {
	var status string
	var unanswered, unknown, delivered, analyzed, noRep, mismatch, due int64
	if err := row.Scan(append([]any{&status, &unanswered, &unknown, &delivered, &analyzed, &noRep, &mismatch, &due}, more...)...); err != nil {
		return err
	}
	*f = lifecycle.LedgerFacts{Status: lifecycle.Status(status), Unanswered: unanswered != 0, OutcomeUnknown: unknown != 0,
		Delivered: delivered != 0, Analyzed: analyzed != 0, NoRep: noRep != 0, RepMismatch: mismatch != 0, AnalysisDue: due != 0}
	return nil
}

// LedgerCall is a call of the window that may carry flags: its facts, and the times a
// flag's "since" is read from.
type LedgerCall struct {
	AlowareCallID string
	FirstSeenMs   int64
	lifecycle.LedgerFacts
	Updated, Delivered, Analyzed *time.Time
}

// LedgerPosition is a call's place in the ledger's first-seen order.
type LedgerPosition struct {
	FirstSeenMs   int64
	AlowareCallID string
}

// mayBeFlagged preselects the rows lifecycle.FlagsOf can flag; it decides.
const mayBeFlagged = `(status IN ('failed', 'unrouted') OR (status IN ('delivered', 'analyzed') AND rep_email = '')
	OR (status = 'analyzed' AND rep_state = 'mismatch') OR (status = 'delivered' AND delivered_ms <= $3))`

// LedgerCandidates lists up to limit calls of the window that may carry flags, oldest
// first, from the call at the position on (that call included) when there is one.
func (db *DB) LedgerCandidates(ctx context.Context, w LedgerWindow, from *LedgerPosition, limit int) ([]LedgerCall, error) {
	args := w.args()
	cond := ""
	if from != nil {
		args = append(args, from.FirstSeenMs, from.AlowareCallID)
		cond = " AND (first_seen_ms, aloware_call_id) >= ($4, $5)"
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT `+factColumns+`, aloware_call_id, first_seen_ms, updated_ms, delivered_ms, analyzed_ms
		FROM `+db.ledgerFrom()+` WHERE first_seen_ms >= $1 AND first_seen_ms < $2 AND `+mayBeFlagged+cond+
		fmt.Sprintf(` ORDER BY first_seen_ms, aloware_call_id LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: ledger calls: %w", err)
	}
	defer rows.Close()
	var out []LedgerCall
	for rows.Next() {
		var c LedgerCall
		var updated int64
		var delivered, analyzed sql.NullInt64
		if err := scanFacts(rows, &c.LedgerFacts, &c.AlowareCallID, &c.FirstSeenMs, &updated, &delivered, &analyzed); err != nil {
			return nil, fmt.Errorf("store: ledger calls: %w", err)
		}
		u := FromMillis(updated)
		c.Updated, c.Delivered, c.Analyzed = &u, timePtr(delivered), timePtr(analyzed)
		out = append(out, c)
	}
	return out, rows.Err()
}

// OutcomeUnknownSentSince lists the calls whose outcome is unknown, content still
// stored, with a Kendo request started at or after since: the calls a call.uploaded that
// no call claims may be the lost answer of. There are few; the status index finds them.
func (db *DB) OutcomeUnknownSentSince(ctx context.Context, q Querier, since time.Time) ([]Call, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+callColumns+` FROM ak_calls WHERE status = 'failed' AND outcome_unknown = 1
		AND purged_ms IS NULL AND EXISTS (SELECT 1 FROM ak_attempts a WHERE a.aloware_call_id = ak_calls.aloware_call_id AND a.started_ms >= $1)
		ORDER BY first_seen_ms, aloware_call_id`, Millis(since))
	if err != nil {
		return nil, fmt.Errorf("store: outcome-unknown calls: %w", err)
	}
	defer rows.Close()
	var out []Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
