package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/store"
	"github.com/aloware-kendo/aloware-kendo/tracing"
)

// errQuarantineFull: the quarantine holds its maximum; the event is refused as before.
var errQuarantineFull = errors.New("delivery: the quarantine is full")

// Accept parses one raw Aloware event, stores it and folds it into its call in a single
// transaction, and schedules delivery when the call just became ready. A JSON object it
// cannot use is stored in the quarantine (status quarantined). It returns an
// *aloware.InputError only for a body that is not a JSON object, or when the quarantine
// is full; then nothing is stored. Once Accept returns without error the event is
// committed: the caller may acknowledge it.
func (s *Service) Accept(ctx context.Context, raw []byte) (Receipt, error) {
	ctx, span := tracing.Tracer().Start(ctx, "intake")
	rc, err := s.acceptRaw(ctx, raw)
	endIntakeSpan(span, rc, err)
	return rc, err
}

// acceptRaw is Accept without its span.
func (s *Service) acceptRaw(ctx context.Context, raw []byte) (Receipt, error) {
	ev, perr := aloware.Parse(raw)
	var ie *aloware.InputError
	if perr != nil && !(errors.As(perr, &ie) && ie.IsObject) {
		return Receipt{}, perr
	}
	// The commit must not be cut short by a caller that hangs up mid-request: an event
	// that reached us is stored whatever the client does next.
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	var rc Receipt
	err := s.intake(ctx, func(ctx context.Context, t *callTx) error {
		var err error
		if ie != nil {
			rc, err = s.quarantine(ctx, t, raw, ie, now)
			return err
		}
		rc, err = s.storeEvent(ctx, t, ev, raw, now, now)
		return err
	})
	switch {
	case errors.Is(err, errQuarantineFull):
		s.log.Warn("quarantine full: an unusable event was refused", "maxBytes", s.opts.QuarantineMaxBytes)
		return Receipt{}, perr
	case err != nil:
		return Receipt{}, err
	case ie != nil:
		s.log.Warn("event quarantined", "quarantineId", rc.QuarantineID, "event", rc.Event, "problems", len(rc.Problems))
	default:
		s.callLog(ev.AlowareCallID).Info("event stored", "event", rc.Event, "kind", ev.Kind, "status", rc.Status, "warnings", len(rc.Warnings))
	}
	return rc, nil
}

// intake commits fn with the intake committer; a database that lost our schema (re-created
// empty) is migrated again and fn tried once more, so it cannot answer 503 forever.
func (s *Service) intake(ctx context.Context, fn func(ctx context.Context, t *callTx) error) error {
	err := s.commit.do(ctx, fn)
	if store.SchemaLost(err) && s.remigrate(ctx) == nil {
		err = s.commit.do(ctx, fn)
	}
	return err
}

// quarantine keeps a JSON object that cannot be used, so a later version or a fixed
// configuration can still use it (POST /quarantine/replay).
func (s *Service) quarantine(ctx context.Context, t *callTx, raw []byte, ie *aloware.InputError, now time.Time) (Receipt, error) {
	q := store.Quarantined{ReceivedAt: now, Name: eventName(raw), Raw: raw}
	for _, p := range ie.Problems {
		q.Problems = append(q.Problems, store.Problem{Location: p.Field, Message: p.Message})
	}
	id, err := s.db.Quarantine(ctx, t.tx, q, s.opts.QuarantineMaxBytes)
	if err != nil {
		return Receipt{}, err
	}
	if id == 0 {
		return Receipt{}, errQuarantineFull
	}
	if err := t.raise(ctx, notify.Event{Type: notify.QuarantineGrowing, Cause: quarantineCause(q), At: now}); err != nil {
		return Receipt{}, err
	}
	t.tally.quarantine++
	t.tally.eventAt = now
	rc := Receipt{Event: store.Text(q.Name, 200), Status: lifecycle.Quarantined, QuarantineID: id,
		Reason: "stored in quarantine: the event could not be used; POST /quarantine/replay reads it again after an upgrade or a configuration fix"}
	for _, p := range q.Problems {
		rc.Problems = append(rc.Problems, Problem(p))
	}
	return rc, nil
}

// storeEvent stores one parsed event and folds it into its call. receivedAt is when the
// event arrived (earlier than now only for a quarantined event replayed later).
func (s *Service) storeEvent(ctx context.Context, t *callTx, ev aloware.Event, raw []byte, receivedAt, now time.Time) (Receipt, error) {
	rc := Receipt{AlowareCallID: ev.AlowareCallID, Event: store.Text(ev.Name, 200), Warnings: problemLines(ev.Warnings)}
	stored := store.Event{AlowareCallID: ev.AlowareCallID, Name: ev.Name, Kind: string(ev.Kind), ReceivedAt: receivedAt,
		Raw: raw, Size: len(raw), Warnings: strings.Join(rc.Warnings, "\n")}
	t.tally.events, t.tally.eventAt = append(t.tally.events, string(ev.Kind)), now
	if ev.AlowareCallID == "" { // Aloware's "Save & Test Webhook" probe, or an event of no communication
		rc.Status, rc.Reason = lifecycle.Ignored, ignoreReason(ev)
		return rc, s.db.InsertEvent(ctx, t.tx, stored)
	}
	call, created, err := s.lockOrCreate(ctx, t, ev, now)
	if err != nil {
		return rc, err
	}
	switch {
	case call.Status == lifecycle.Erased || call.PurgedAt != nil:
		stored.Raw, stored.Warnings = nil, "" // the call's content is gone: keep only that the event came
		err = t.touch(ctx, &call, now)
	case call.Status == lifecycle.Delivering || call.Status.Sent():
		// Sent (or being sent): nothing can change what Kendo has. The event is kept for
		// the record (retention purges it) but not folded in. One that brings an artifact
		// Kendo lacks is late (mapping's S5): said so, listed and counted.
		stored.Raw = s.keepRaw(&call, raw, &rc)
		var sent mapping.Call
		if sent, err = s.mergedCall(ctx, t.tx, call); err != nil {
			return rc, err
		}
		if late := mapping.LateArtifacts(sent, ev); len(late) > 0 {
			stored.Late = store.LateArtifacts{New: late, Sent: mapping.Artifacts(sent)}
			rc.Late, t.tally.late = true, append(t.tally.late, late...)
		}
		err = t.touch(ctx, &call, now)
	default:
		var merged mapping.Call // a new call has nothing to fold into yet
		if !created {
			if merged, err = s.mergedCall(ctx, t.tx, call); err != nil {
				return rc, err
			}
		}
		stored.Raw = s.keepRaw(&call, raw, &rc)
		merged.Fold(ev)
		err = s.observe(ctx, t, &call, merged, now)
	}
	if err != nil {
		return rc, err
	}
	if err := s.db.InsertEvent(ctx, t.tx, stored); err != nil {
		return rc, err
	}
	rc.Status, rc.Reason, rc.KendoCallID = call.Status, call.Reason, call.KendoCallID
	rc.RepState = call.RepState
	if w := repWarning(call.Status, call.RepState, call.AgentID, call.AgentName); w != "" {
		rc.Warnings = append(rc.Warnings, w)
	}
	if rc.Duplicate = call.Status.Sent() && !rc.Late; rc.Duplicate {
		t.tally.duplicates = append(t.tally.duplicates, call.Team)
	}
	if call.Status == lifecycle.Scheduled {
		rc.DeliverAfter = call.DeliverAfter
	}
	return rc, nil
}

// lockOrCreate locks the event's call, creating its row on the call's first event
// (created). Most events find the row: they lock it at once, without first trying an
// insert that would do nothing. Twins of a first event may both find no row; the insert
// lets one create it, and the other then locks the row its twin created.
func (s *Service) lockOrCreate(ctx context.Context, t *callTx, ev aloware.Event, now time.Time) (store.Call, bool, error) {
	call, err := t.lock(ctx, ev.AlowareCallID)
	if !errors.Is(err, store.ErrNoCall) {
		return call, false, err
	}
	created, err := s.db.EnsureCall(ctx, t.tx, ev.AlowareCallID, string(ev.Kind), now)
	if err != nil {
		return store.Call{}, false, err
	}
	call, err = t.lock(ctx, ev.AlowareCallID)
	return call, created, err
}

// touch saves a call whose state an event did not change (its stored bytes, its time).
func (t *callTx) touch(ctx context.Context, call *store.Call, now time.Time) error {
	call.Updated = now
	return t.save(ctx, *call)
}

// observe keeps the new merged call on the row and applies what mapping says of it, with
// the send rules of the call's team (apply saves the call).
func (s *Service) observe(ctx context.Context, t *callTx, call *store.Call, merged mapping.Call, now time.Time) error {
	team, routed, unrouted := s.route(merged)
	result, _ := s.outgoing(merged, call.Shrunk)
	mapping.ApplySendRules(&result, merged, s.sendRules(team, routed))
	if err := setMerged(call, merged, result); err != nil {
		return err
	}
	// Until a request is made the row shows the rep outgoing would send; from then on the
	// one the last request sent (startIn sets it), which a later event does not change.
	// A call still in progress has no rep state yet: its first events often name no agent.
	if a, ok := s.attributionOf(merged, result); ok && call.Attempts == 0 && merged.Complete {
		a.setOn(call)
	}
	in := lifecycle.Observed{Verdict: result.State, Reason: result.Reason, Complete: merged.Complete,
		NothingMoreExpected: result.NothingMoreExpected, Sendable: result.HasArtifacts,
		Team: team, Routed: routed, Unrouted: unrouted}
	before := call.Status
	if _, err := t.apply(ctx, call, in, now, nil); err != nil {
		return err
	}
	if result.State == mapping.StateFiltered && before != lifecycle.Skipped && call.Status == lifecycle.Skipped {
		t.tally.filtered = append(t.tally.filtered, result.FilteredBy)
	}
	return nil
}

// sendRules are the send rules of the team a call is routed to: the flags' where the
// team has none of its own, or no team takes the call.
func (s *Service) sendRules(team string, routed bool) mapping.SendRules {
	if routed {
		if t, ok := s.opts.Teams.Lookup(team); ok {
			return t.SendRules(s.opts.Send)
		}
	}
	return s.opts.Send
}

// keepRaw decides whether an event's raw body is kept: each call keeps at most
// MaxCallRawBytes (its content is folded into the call either way).
func (s *Service) keepRaw(call *store.Call, raw []byte, rc *Receipt) []byte {
	if call.RawBytes+int64(len(raw)) > s.opts.MaxCallRawBytes {
		rc.Warnings = append(rc.Warnings, fmt.Sprintf("raw event not kept: the call's stored events reached %d MB; its content was merged into the call", s.opts.MaxCallRawBytes>>20))
		return nil
	}
	call.RawBytes += int64(len(raw))
	return raw
}

func ignoreReason(ev aloware.Event) string {
	if ev.Kind == aloware.KindTest {
		return "Aloware test payload"
	}
	return "event carries no communication id"
}

func problemLines(ps []aloware.Problem) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Field+": "+p.Message)
	}
	return out
}
