package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The rep states a ledger and the reps view ask about, as conditions on ak_calls (the
// partial index ak_calls_rep_state serves them).
const (
	// RepMismatchSQL: the call was sent with a rep, and Kendo's call.uploaded credited
	// another agent, or none.
	RepMismatchSQL = "rep_state = 'mismatch'"
	// SentWithoutRepSQL: Kendo has the call, and no repEmail went with it (none was known,
	// or the one known was dropped because Kendo refuses it).
	SentWithoutRepSQL = "rep_state IN ('missing', 'invalid') AND status IN ('delivered', 'analyzed')"
)

// RepMismatch is RepMismatchSQL for a call in hand.
func RepMismatch(c Call) bool { return c.RepState == "mismatch" }

// SentWithoutRep is SentWithoutRepSQL for a call in hand.
func SentWithoutRep(c Call) bool {
	return (c.RepState == "missing" || c.RepState == "invalid") && c.Status.Sent()
}

// Agent is one Aloware agent as its calls attributed it ("" AgentID: the calls whose
// events named no Aloware user).
type Agent struct {
	AgentID  string
	RepName  string // the newest name sent for the agent ("" once every call's was purged)
	RepEmail string // the e-mail the agent's newest call sends, or sent
	State    string // the newest call's rep state; mismatch when Kendo's newest analysis of the agent's calls was one
	Calls    int
	ByState  map[string]int
	LastCall time.Time // when the agent's newest call was first seen
}

const (
	qAgentCounts = `SELECT agent_id, rep_state, COUNT(*), MAX(first_seen_ms) FROM ak_calls WHERE rep_state <> ''
	GROUP BY agent_id, rep_state`
	// The newest call of each agent by a window, written for both engines.
	qAgentNewest = `SELECT agent_id, rep_email, rep_state FROM (SELECT agent_id, rep_email, rep_state,
	ROW_NUMBER() OVER (PARTITION BY agent_id ORDER BY first_seen_ms DESC, aloware_call_id DESC) AS n
	FROM ak_calls WHERE rep_state <> '') newest WHERE n = 1`
	qAgentName = `SELECT agent_id, rep_name FROM (SELECT agent_id, rep_name,
	ROW_NUMBER() OVER (PARTITION BY agent_id ORDER BY first_seen_ms DESC, aloware_call_id DESC) AS n
	FROM ak_calls WHERE rep_state <> '' AND rep_name <> '') named WHERE n = 1`
	qAgentAnalyzed = `SELECT agent_id, rep_state FROM (SELECT agent_id, rep_state,
	ROW_NUMBER() OVER (PARTITION BY agent_id ORDER BY analyzed_ms DESC, aloware_call_id DESC) AS n
	FROM ak_calls WHERE rep_state IN ('mapped', 'mismatch') AND analyzed_ms IS NOT NULL) analyzed WHERE n = 1`
)

// Agents lists every agent the calls name, with its calls per rep state, ordered by id.
func (db *DB) Agents(ctx context.Context) ([]Agent, error) {
	byID := map[string]*Agent{}
	var order []string
	rows, err := db.SQL.QueryContext(ctx, qAgentCounts)
	if err != nil {
		return nil, fmt.Errorf("store: agents: %w", err)
	}
	for rows.Next() {
		var id, state string
		var n int
		var last int64
		if err := rows.Scan(&id, &state, &n, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: agents: %w", err)
		}
		a := byID[id]
		if a == nil {
			a = &Agent{AgentID: id, ByState: map[string]int{}}
			byID[id] = a
			order = append(order, id)
		}
		a.ByState[state] += n
		a.Calls += n
		if t := FromMillis(last); t.After(a.LastCall) {
			a.LastCall = t
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: agents: %w", err)
	}
	read := func(query string, set func(a *Agent, v1, v2 string)) error {
		rows, err := db.SQL.QueryContext(ctx, query)
		if err != nil {
			return fmt.Errorf("store: agents: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, v1, v2 string
			dest := []any{&id, &v1}
			if query == qAgentNewest {
				dest = append(dest, &v2)
			}
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("store: agents: %w", err)
			}
			if a := byID[id]; a != nil {
				set(a, v1, v2)
			}
		}
		return rows.Err()
	}
	if err := read(qAgentNewest, func(a *Agent, email, state string) { a.RepEmail, a.State = email, state }); err != nil {
		return nil, err
	}
	if err := read(qAgentName, func(a *Agent, name, _ string) { a.RepName = name }); err != nil {
		return nil, err
	}
	if err := read(qAgentAnalyzed, func(a *Agent, state, _ string) {
		if state == "mismatch" && a.State == "mapped" {
			a.State = state
		}
	}); err != nil {
		return nil, err
	}
	out := make([]Agent, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sortAgents(out)
	return out, nil
}

// sortAgents orders agents by Aloware user id, numerically when both are numbers (a
// shorter run of digits is the smaller number), the calls with no user id last.
func sortAgents(as []Agent) {
	slices.SortFunc(as, func(a, b Agent) int {
		switch {
		case a.AgentID == "" || b.AgentID == "":
			return cmp.Compare(len(b.AgentID), len(a.AgentID)) // "" last
		case len(a.AgentID) != len(b.AgentID):
			return cmp.Compare(len(a.AgentID), len(b.AgentID))
		}
		return strings.Compare(a.AgentID, b.AgentID)
	})
}
