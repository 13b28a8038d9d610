package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// Call is one row of ak_calls: everything the engine knows about one Aloware call.
type Call struct {
	AlowareCallID string
	Kind          string
	lifecycle.State

	FirstSeen time.Time
	Updated   time.Time
	JobID     int64 // River's id of the current generation's delivery job (0 when none)

	// Merged is the merged call (mapping.Call as JSON) that the events so far fold into,
	// folded with mapping.RulesVersion MergedVersion; nil once purged or erased.
	Merged        []byte
	MergedVersion int
	RawBytes      int64 // raw event bytes kept for this call (bounded)

	// Read off Merged when it changes, so listing never decodes it (and they survive a purge).
	Direction string
	RepEmail  string
	CallDate  *time.Time

	// From Kendo's call.uploaded webhook.
	AIScore   string
	AgentName string

	// Attribution, read off what is (or was) sent: the agent's Aloware user id, the rep's
	// name sent and the rep's state (reps.Mapped …; "" while the call has no payload).
	// Kendo's analysis crediting another agent, or none, makes it "mismatch".
	AgentID  string
	RepName  string
	RepState string
}

// ErrNoCall is returned when no row exists for a call id.
var ErrNoCall = errors.New("store: no such call")

const callColumns = `aloware_call_id, kind, status, reason, team, kendo_call_id, attempts, generation, shrunk,
	outcome_unknown, by_operator, last_error, paused_key, first_seen_ms, updated_ms, complete_ms, ready_ms,
	deliver_after_ms, first_attempt_ms, delivered_ms, analyzed_ms, purged_ms, job_id, merged, merged_version,
	raw_bytes, direction, rep_email, call_date_ms, ai_score, agent_name, unanswered, agent_id, rep_name, rep_state`

// EnsureCall creates the call's row on its first event; later events find it there.
const qEnsureCall = `INSERT INTO ak_calls (aloware_call_id, kind, status, first_seen_ms, updated_ms)
	VALUES ($1, $2, $3, $4, $4) ON CONFLICT (aloware_call_id) DO NOTHING`

// It reports whether the row is new (a new call has no events to fold yet).
func (db *DB) EnsureCall(ctx context.Context, q Querier, alowareCallID, kind string, now time.Time) (created bool, err error) {
	res, err := db.on(q).ExecContext(ctx, qEnsureCall, alowareCallID, kind, string(lifecycle.Received), Millis(now))
	if err != nil {
		return false, fmt.Errorf("store: ensure call: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LockCall reads a call's row inside tx, locking it against other writers until commit.
func (db *DB) LockCall(ctx context.Context, tx *sql.Tx, alowareCallID string) (Call, error) {
	return scanCall(db.on(tx).QueryRowContext(ctx, qGetCall+db.ForUpdate(), alowareCallID))
}

const qGetCall = `SELECT ` + callColumns + ` FROM ak_calls WHERE aloware_call_id = $1`

// GetCall reads a call's row without locking it.
func (db *DB) GetCall(ctx context.Context, alowareCallID string) (Call, error) {
	return scanCall(db.on(db.SQL).QueryRowContext(ctx, qGetCall, alowareCallID))
}

// CallByKendoID finds the call Kendo knows by kendoCallID.
func (db *DB) CallByKendoID(ctx context.Context, tx *sql.Tx, kendoCallID string) (Call, error) {
	return scanCall(db.on(tx).QueryRowContext(ctx, `SELECT `+callColumns+` FROM ak_calls WHERE kendo_call_id = $1 AND kendo_call_id <> ''`+db.ForUpdate(), kendoCallID))
}

type scanner interface{ Scan(dest ...any) error }

func scanCall(row scanner) (Call, error) {
	var c Call
	var status string
	var firstSeen, updated int64
	var shrunk, unknown, byOperator, unanswered int64
	var complete, ready, deliverAfter, firstAttempt, delivered, analyzed, purged, callDate sql.NullInt64
	err := row.Scan(&c.AlowareCallID, &c.Kind, &status, &c.Reason, &c.Team, &c.KendoCallID, &c.Attempts, &c.Generation,
		&shrunk, &unknown, &byOperator, &c.LastError, &c.PausedKey, &firstSeen, &updated, &complete, &ready,
		&deliverAfter, &firstAttempt, &delivered, &analyzed, &purged, &c.JobID, &c.Merged, &c.MergedVersion,
		&c.RawBytes, &c.Direction, &c.RepEmail, &callDate, &c.AIScore, &c.AgentName, &unanswered, &c.AgentID, &c.RepName, &c.RepState)
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, ErrNoCall
	}
	if err != nil {
		return Call{}, fmt.Errorf("store: read call: %w", err)
	}
	c.Status = lifecycle.Status(status)
	c.Shrunk, c.OutcomeUnknown, c.ByOperator, c.Unanswered = shrunk != 0, unknown != 0, byOperator != 0, unanswered != 0
	c.FirstSeen, c.Updated = FromMillis(firstSeen), FromMillis(updated)
	c.CompleteAt, c.ReadyAt, c.DeliverAfter = timePtr(complete), timePtr(ready), timePtr(deliverAfter)
	c.FirstAttemptAt, c.DeliveredAt, c.AnalyzedAt = timePtr(firstAttempt), timePtr(delivered), timePtr(analyzed)
	c.PurgedAt, c.CallDate = timePtr(purged), timePtr(callDate)
	return c, nil
}

// SaveCall writes back every mutable column of a call read with LockCall.
const qSaveCall = `UPDATE ak_calls SET kind = $2, status = $3, reason = $4, team = $5, kendo_call_id = $6,
	attempts = $7, generation = $8, shrunk = $9, outcome_unknown = $10, by_operator = $11, last_error = $12,
	paused_key = $13, updated_ms = $14, complete_ms = $15, ready_ms = $16, deliver_after_ms = $17,
	first_attempt_ms = $18, delivered_ms = $19, analyzed_ms = $20, purged_ms = $21, job_id = $22, merged = $23,
	merged_version = $24, raw_bytes = $25, direction = $26, rep_email = $27, call_date_ms = $28, ai_score = $29,
	agent_name = $30, unanswered = $31, agent_id = $32, rep_name = $33, rep_state = $34
	WHERE aloware_call_id = $1`

func (db *DB) SaveCall(ctx context.Context, q Querier, c Call) error {
	_, err := db.on(q).ExecContext(ctx, qSaveCall,
		c.AlowareCallID, c.Kind, string(c.Status), c.Reason, c.Team, c.KendoCallID, c.Attempts, c.Generation,
		boolInt(c.Shrunk), boolInt(c.OutcomeUnknown), boolInt(c.ByOperator), c.LastError, c.PausedKey,
		Millis(c.Updated), nullMillis(c.CompleteAt), nullMillis(c.ReadyAt), nullMillis(c.DeliverAfter),
		nullMillis(c.FirstAttemptAt), nullMillis(c.DeliveredAt), nullMillis(c.AnalyzedAt), nullMillis(c.PurgedAt),
		c.JobID, c.Merged, c.MergedVersion, c.RawBytes, c.Direction, c.RepEmail, nullMillis(c.CallDate), c.AIScore,
		c.AgentName, boolInt(c.Unanswered), c.AgentID, c.RepName, c.RepState)
	if err != nil {
		return fmt.Errorf("store: save call: %w", err)
	}
	return nil
}

// CallFilter selects calls for listing and bulk actions. Zero fields do not filter.
type CallFilter struct {
	Statuses []lifecycle.Status
	Since    time.Time // first seen at or after
	Until    time.Time // first seen before
	Query    string    // an Aloware call id or a Kendo callId
	IDs      []string
	// RepStates: only calls whose rep is in one of these states (reps.Missing …).
	RepStates []string
	// UpdatedSince: updated at or after it and not purged (the partial index on
	// updated_ms serves it).
	UpdatedSince time.Time
	// Before continues a listing: only calls strictly older in (first seen, id) order.
	Before *Cursor
	Limit  int
}

// Cursor is a position in the newest-first order of calls.
type Cursor struct {
	FirstSeenMs   int64
	AlowareCallID string
}

func (f CallFilter) where(d Dialect) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Statuses) > 0 {
		// Statuses are written into the SQL, not passed as parameters: PostgreSQL plans a
		// prepared statement once for any parameter values after five runs, and a plan made
		// without knowing the status walks every call in first-seen order to find the few
		// delivering or erased ones. Only the fixed status names are written so.
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			if s.Valid() {
				ph[i] = "'" + string(s) + "'"
			} else {
				ph[i] = arg(string(s))
			}
		}
		conds = append(conds, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if len(f.RepStates) > 0 {
		// Written into the SQL like statuses, so PostgreSQL's generic plan can still use
		// the partial index of the states that need a human.
		ph := make([]string, len(f.RepStates))
		for i, s := range f.RepStates {
			if knownRepStates[s] {
				ph[i] = "'" + s + "'"
			} else {
				ph[i] = arg(s)
			}
		}
		conds = append(conds, "rep_state IN ("+strings.Join(ph, ", ")+")")
	}
	if !f.Since.IsZero() {
		conds = append(conds, "first_seen_ms >= "+arg(Millis(f.Since)))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "first_seen_ms < "+arg(Millis(f.Until)))
	}
	if f.Query != "" {
		a, b := arg(f.Query), arg(f.Query)
		conds = append(conds, "(aloware_call_id = "+a+" OR (kendo_call_id = "+b+" AND kendo_call_id <> ''))")
	}
	if len(f.IDs) > 0 {
		cond, ids := callIDsIn(d, fmt.Sprintf("$%d", len(args)+1), f.IDs)
		args = append(args, ids)
		conds = append(conds, cond)
	}
	if !f.UpdatedSince.IsZero() {
		conds = append(conds, "updated_ms >= "+arg(Millis(f.UpdatedSince))+" AND purged_ms IS NULL")
	}
	if f.Before != nil {
		a, b := arg(f.Before.FirstSeenMs), arg(f.Before.AlowareCallID)
		conds = append(conds, "(first_seen_ms, aloware_call_id) < ("+a+", "+b+")")
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const summaryColumns = `aloware_call_id, status, reason, team, direction, rep_email, call_date_ms, attempts, last_error,
	kendo_call_id, outcome_unknown, first_seen_ms, updated_ms, purged_ms, rep_state`

// Summary is the part of a call's row a listing shows.
type Summary struct {
	AlowareCallID  string
	Status         lifecycle.Status
	Reason         string
	Team           string
	Direction      string
	RepEmail       string
	CallDate       *time.Time
	Attempts       int
	LastError      string
	KendoCallID    string
	OutcomeUnknown bool
	FirstSeen      time.Time
	Updated        time.Time
	PurgedAt       *time.Time // its content was purged or erased: nothing is left to send
	RepState       string     // what became of the rep (reps.Mapped …), "" without a payload
}

// table is what a filtered query reads. SQLite, without statistics, picks the status
// index over the partial one on updated_ms for UpdatedSince and filters ~75,000 rows of
// 100,000 (82 ms, against 1.3 ms on the partial index): it is told which to use.
func (f CallFilter) table(d Dialect) string {
	if d == SQLite && !f.UpdatedSince.IsZero() {
		return "ak_calls INDEXED BY ak_calls_unpurged"
	}
	return "ak_calls"
}

// listQuery is ListCalls' SQL (apart, so a test can ask the engine for its plan).
func (f CallFilter) listQuery(d Dialect) (string, []any) {
	where, args := f.where(d)
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return `SELECT ` + summaryColumns + ` FROM ` + f.table(d) + where + ` ORDER BY first_seen_ms DESC, aloware_call_id DESC` + limit, args
}

// ListCalls lists calls newest first (by first-seen time, then id), at most f.Limit.
func (db *DB) ListCalls(ctx context.Context, f CallFilter) ([]Summary, error) {
	query, args := f.listQuery(db.Dialect)
	rows, err := db.on(db.SQL).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var s Summary
		var status string
		var unknown, firstSeen, updated int64
		var callDate, purged sql.NullInt64
		if err := rows.Scan(&s.AlowareCallID, &status, &s.Reason, &s.Team, &s.Direction, &s.RepEmail, &callDate,
			&s.Attempts, &s.LastError, &s.KendoCallID, &unknown, &firstSeen, &updated, &purged, &s.RepState); err != nil {
			return nil, fmt.Errorf("store: list calls: %w", err)
		}
		s.Status, s.OutcomeUnknown, s.CallDate = lifecycle.Status(status), unknown != 0, timePtr(callDate)
		s.FirstSeen, s.Updated, s.PurgedAt = FromMillis(firstSeen), FromMillis(updated), timePtr(purged)
		out = append(out, s)
	}
	return out, rows.Err()
}

// CallIDs lists the ids of the calls a filter selects, in no particular order.
func (db *DB) CallIDs(ctx context.Context, f CallFilter) ([]string, error) {
	where, args := f.where(db.Dialect)
	ids, err := callIDs(ctx, db.on(db.SQL), `SELECT aloware_call_id FROM `+f.table(db.Dialect)+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: select calls: %w", err)
	}
	return ids, nil
}

const qCountByStatus = `SELECT status, CAST(SUM(calls) AS BIGINT) FROM ak_status_counts
	GROUP BY status HAVING SUM(calls) <> 0`

// CountByStatus counts calls per status (statuses without calls are absent). It reads
// the counters that triggers keep in each call's own transaction (migration 0013), not
// the calls: the same numbers in a few rows.
func (db *DB) CountByStatus(ctx context.Context) (map[lifecycle.Status]int, error) {
	return countBy[lifecycle.Status](ctx, db.on(db.SQL), qCountByStatus)
}

// StaleCalls lists finished calls still waiting for a recording or transcript since
// before completeBefore.
func (db *DB) StaleCalls(ctx context.Context, completeBefore time.Time) ([]string, error) {
	return db.ids(ctx, `SELECT aloware_call_id FROM ak_calls WHERE status = 'received' AND complete_ms IS NOT NULL AND complete_ms < $1`,
		Millis(completeBefore))
}

// ExpiredCalls lists up to limit finished calls, not yet purged, last changed before
// updatedBefore, the oldest first.
//
// It walks the partial index of unpurged calls, which holds only what is left to purge:
// SQLite, without statistics, chose the status index instead and walked every call
// already purged before it came to one that was not, once per listing — a backlog's
// purge grew with the square of its size (50,000 calls: a third of its time).
func (db *DB) ExpiredCalls(ctx context.Context, updatedBefore time.Time, limit int) ([]string, error) {
	return db.ids(ctx, expiredQuery(db.Dialect, limit), Millis(updatedBefore))
}

func expiredQuery(d Dialect, limit int) string {
	indexed := ""
	if d == SQLite {
		indexed = " INDEXED BY ak_calls_unpurged"
	}
	return fmt.Sprintf(`SELECT aloware_call_id FROM ak_calls%s WHERE purged_ms IS NULL AND updated_ms < $1
		AND status IN (%s) ORDER BY updated_ms LIMIT %d`, indexed, statusList(lifecycle.RetainedStatuses()), limit)
}

// PurgeIDlessEvents drops the raw bodies of stored events that belong to no call (test
// payloads, contact events) received before t, and says how many.
func (db *DB) PurgeIDlessEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.on(db.SQL).ExecContext(ctx, `UPDATE ak_events SET raw = $2 WHERE aloware_call_id = '' AND received_ms < $1 AND size > 0 AND raw <> $2`,
		Millis(before), []byte{})
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (db *DB) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	return callIDs(ctx, db.SQL, query, args...)
}

// SetJob records the delivery job of a call's generation (unless the call moved on).
func (db *DB) SetJob(ctx context.Context, tx *sql.Tx, alowareCallID string, generation, jobID int64) error {
	_, err := db.on(tx).ExecContext(ctx, qSetJob, alowareCallID, generation, jobID)
	if err != nil {
		return fmt.Errorf("store: set job: %w", err)
	}
	return nil
}

const qSetJob = `UPDATE ak_calls SET job_id = $3 WHERE aloware_call_id = $1 AND generation = $2 AND job_id = 0`

// statusList is statuses as SQL literals, for an IN list (they are fixed names).
func statusList(statuses []lifecycle.Status) string {
	quoted := make([]string, len(statuses))
	for i, st := range statuses {
		quoted[i] = "'" + string(st) + "'"
	}
	return strings.Join(quoted, ", ")
}

// callIDs runs a query whose rows are Aloware call ids.
func callIDs(ctx context.Context, q Querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// knownRepStates are the rep states a call row holds (package reps names them).
var knownRepStates = map[string]bool{"mapped": true, "missing": true, "invalid": true, "mismatch": true}
