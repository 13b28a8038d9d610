package notify

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aloware-kendo/aloware-kendo/mask"
)

// maxCauseBytes bounds one cause as stored: a notification names a cause, it does not
// carry Kendo's whole answer.
const maxCauseBytes = 300

// Raise writes e to the outbox in tx: it is told only if tx commits. The cause is masked
// first, so the outbox never holds a phone number or a recording URL.
func Raise(ctx context.Context, tx *sql.Tx, e Event) error {
	if !e.Type.Known() {
		return fmt.Errorf("notify: unknown type %q", e.Type)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO ak_notify_events (type, team, aloware_call_id, cause, at_ms)
		VALUES ($1, $2, $3, $4, $5)`, string(e.Type), e.Team, e.AlowareCallID, clip(mask.Text(e.Cause)), e.At.UnixMilli())
	if err != nil {
		return fmt.Errorf("notify: raise %s: %w", e.Type, err)
	}
	return nil
}

// Outbox turns raised events into grouped messages.
type Outbox struct {
	Interval  time.Duration // at most one message per type and team per Interval
	PublicURL string        // the service's external URL, for links ("" for none)
}

// Gather is how long the first event of a group waits for the others of its burst
// before a message goes out (a tenth of the interval, at most 30 s): a teams file that
// sends 38 calls to no team is one message of 38, not one of 1 and one of 37.
func (o Outbox) Gather() time.Duration { return min(o.Interval/10, 30*time.Second) }

// messageKeep is how long a sent message stays in the outbox (its jobs are long done).
const messageKeep = 7 * 24 * time.Hour

// Collect turns every group that is due into a message, in tx: a group is due when its
// oldest event has waited Gather and its type and team sent nothing within Interval.
// The window of each group is claimed by a conditional update, so two replicas running
// Collect at once cannot both send it. The events of a message leave the outbox with it.
func (o Outbox) Collect(ctx context.Context, tx *sql.Tx, now time.Time) ([]Message, error) {
	type group struct {
		typ, team string
		oldest    int64
	}
	rows, err := tx.QueryContext(ctx, `SELECT type, team, MIN(at_ms) FROM ak_notify_events GROUP BY type, team ORDER BY MIN(at_ms)`)
	if err != nil {
		return nil, fmt.Errorf("notify: pending groups: %w", err)
	}
	var due []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.typ, &g.team, &g.oldest); err != nil {
			rows.Close()
			return nil, err
		}
		if time.UnixMilli(g.oldest).Add(o.Gather()).After(now) {
			continue
		}
		due = append(due, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Message
	for _, g := range due {
		m, ok, err := o.collectGroup(ctx, tx, Type(g.typ), g.team, now)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ak_notify_messages WHERE created_ms < $1`, now.Add(-messageKeep).UnixMilli()); err != nil {
		return nil, fmt.Errorf("notify: prune: %w", err)
	}
	return out, nil
}

// collectGroup claims the window of one type and team and makes its message.
func (o Outbox) collectGroup(ctx context.Context, tx *sql.Tx, typ Type, team string, now time.Time) (Message, bool, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO ak_notify_windows (type, team, next_ms) VALUES ($1, $2, 0)
		ON CONFLICT (type, team) DO NOTHING`, string(typ), team); err != nil {
		return Message{}, false, fmt.Errorf("notify: window: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE ak_notify_windows SET next_ms = $1 WHERE type = $2 AND team = $3 AND next_ms <= $4`,
		now.Add(o.Interval).UnixMilli(), string(typ), team, now.UnixMilli())
	if err != nil {
		return Message{}, false, fmt.Errorf("notify: window: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Message{}, false, err // sent within the interval (here or by another replica)
	}
	rows, err := tx.QueryContext(ctx, `DELETE FROM ak_notify_events WHERE type = $1 AND team = $2 AND at_ms <= $3
		RETURNING aloware_call_id, cause, at_ms`, string(typ), team, now.UnixMilli())
	if err != nil {
		return Message{}, false, fmt.Errorf("notify: take events: %w", err)
	}
	var events []Event
	for rows.Next() {
		e := Event{Type: typ, Team: team}
		var at int64
		if err := rows.Scan(&e.AlowareCallID, &e.Cause, &at); err != nil {
			rows.Close()
			return Message{}, false, err
		}
		e.At = time.UnixMilli(at).UTC()
		events = append(events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Message{}, false, err
	}
	if len(events) == 0 {
		return Message{}, false, nil
	}
	m := Message{Type: typ, Team: team, CreatedAt: now.UTC().Truncate(time.Millisecond), Data: Group(typ, team, events, o.PublicURL)}
	data, err := json.Marshal(m.Data)
	if err != nil {
		return Message{}, false, err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO ak_notify_messages (type, team, created_ms, data) VALUES ($1, $2, $3, $4) RETURNING id`,
		string(typ), team, m.CreatedAt.UnixMilli(), string(data)).Scan(&m.ID); err != nil {
		return Message{}, false, fmt.Errorf("notify: message: %w", err)
	}
	return m, true, nil
}

// Load reads a message the outbox made (sql.ErrNoRows once it was pruned).
func Load(ctx context.Context, db *sql.DB, id int64) (Message, error) {
	m := Message{ID: id}
	var typ, data string
	var created int64
	err := db.QueryRowContext(ctx, `SELECT type, team, created_ms, data FROM ak_notify_messages WHERE id = $1`, id).
		Scan(&typ, &m.Team, &created, &data)
	if err != nil {
		return Message{}, err
	}
	m.Type, m.CreatedAt = Type(typ), time.UnixMilli(created).UTC()
	return m, json.Unmarshal([]byte(data), &m.Data)
}

// Group summarises the events of one type and team: counts, the most frequent causes,
// the first calls with links to the ops page.
func Group(typ Type, team string, events []Event, publicURL string) Data {
	d := Data{Team: team, Count: len(events), FirstSeen: events[0].At, LastSeen: events[0].At, OpsURL: issuesURL(publicURL)}
	byCause := map[string]int{}
	seen := map[string]bool{}
	for _, e := range events {
		if e.At.Before(d.FirstSeen) {
			d.FirstSeen = e.At
		}
		if e.At.After(d.LastSeen) {
			d.LastSeen = e.At
		}
		byCause[cmp.Or(e.Cause, "no cause given")]++
		if e.AlowareCallID == "" || seen[e.AlowareCallID] {
			continue
		}
		seen[e.AlowareCallID] = true
		d.Calls++
		if len(d.CallLinks) < maxCallLinks {
			d.CallLinks = append(d.CallLinks, Link{AlowareCallID: e.AlowareCallID, URL: callURL(publicURL, e.AlowareCallID)})
		}
	}
	for c, n := range byCause {
		d.Causes = append(d.Causes, Cause{Cause: c, Count: n})
	}
	slices.SortFunc(d.Causes, func(a, b Cause) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Cause, b.Cause)) })
	d.Causes = d.Causes[:min(len(d.Causes), maxCauses)]
	n := d.Count
	if typ.aboutCalls() {
		n = d.Calls
	}
	d.Summary = summary(typ, team, n)
	return d
}

// clip cuts s to maxCauseBytes on a rune boundary.
func clip(s string) string {
	if len(s) <= maxCauseBytes {
		return s
	}
	cut := maxCauseBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
