package delivery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// resolveUnknown tries a call.uploaded whose callId no call has against the calls whose
// outcome is unknown: when the process died between Kendo's 201 and our commit, or the
// connection broke after Kendo read the request, Kendo has the call and we lack its
// callId — and Kendo's analysis of it arrives like any other. If its duration and agent
// match exactly one outcome-unknown call with a request sent within
// --analysis-expected-within before it, that call is delivered under the callId (then
// analyzed), its reason saying how it was matched. Nothing is ever sent for it; two or
// more matches resolve nothing. It answers the resolved call's id, "" when none.
func (s *Service) resolveUnknown(ctx context.Context, t *callTx, data kendo.WebhookCall, now time.Time) (string, error) {
	if data.Duration <= 0 {
		return "", nil // a duration and an agent are the evidence; without a duration there is too little
	}
	at := now
	if !data.Timestamp.IsZero() && data.Timestamp.Before(now) {
		at = data.Timestamp
	}
	candidates, err := s.db.OutcomeUnknownSentSince(ctx, t.tx, at.Add(-s.opts.AnalysisExpectedWithin))
	if err != nil {
		return "", err
	}
	var matched []store.Call
	for _, c := range candidates {
		ok, err := s.sentAs(ctx, t, c, data)
		if err != nil {
			return "", err
		}
		if ok {
			matched = append(matched, c)
		}
	}
	switch len(matched) {
	case 0:
		return "", nil
	case 1:
	default:
		ids := make([]string, len(matched))
		for i, c := range matched {
			ids[i] = c.AlowareCallID
		}
		s.log.Warn("Kendo's analysis of an unknown callId matches several outcome-unknown calls: none is resolved",
			"kendoCallId", data.KendoCallID, "alowareCallIds", strings.Join(ids, ","))
		return "", nil
	}
	call, err := t.lock(ctx, matched[0].AlowareCallID)
	if err != nil {
		return "", err
	}
	how := fmt.Sprintf("Kendo's call.uploaded for callId %s names agent %q and a duration of %.0f s, which match the request sent for this call and no other call whose outcome is unknown; not sent again",
		data.KendoCallID, data.AgentName, data.Duration)
	if _, err := t.apply(ctx, &call, lifecycle.KendoHasIt{KendoCallID: data.KendoCallID, How: how}, now, nil); err != nil {
		if errors.Is(err, lifecycle.ErrNotApplicable) {
			return "", nil // resolved or redelivered meanwhile
		}
		return "", err
	}
	if err := s.analyzed(ctx, t, &call, data, now, now); err != nil {
		return "", err
	}
	return call.AlowareCallID, nil
}

// sentAs reports whether the request sent for a call carried the duration and agent
// Kendo's analysis names: the same rep name (case and surrounding space aside) and the
// same duration to the second. The body is rebuilt from the stored call, as the delivery
// job built it.
func (s *Service) sentAs(ctx context.Context, t *callTx, call store.Call, data kendo.WebhookCall) (bool, error) {
	merged, err := s.mergedCall(ctx, t.tx, call)
	if err != nil {
		return false, err
	}
	res, _ := s.outgoing(merged, call.Shrunk)
	p := res.Payload
	if p == nil || p.Duration == nil {
		return false, nil
	}
	sameAgent := strings.EqualFold(strings.TrimSpace(p.RepName), strings.TrimSpace(data.AgentName))
	return sameAgent && float64(*p.Duration) == math.Round(data.Duration), nil
}

// resolveEvery is how often the engine tries the analyses that matched no call
// against the calls whose outcome became unknown after those analyses arrived.
const resolveEvery = 5 * time.Second

// resolveEarlyAnalyses covers the other order: Kendo's call.uploaded arrived (and was
// stored unmatched) while the call was still delivering — the process restarted and had
// not yet re-run the cut-off job, say — and the call was flagged outcome unknown after.
// Each unmatched analysis of the window is tried again, by the same rule. It does nothing
// while no call sent within the window has an unknown outcome.
func (s *Service) resolveEarlyAnalyses(ctx context.Context) {
	now := s.now()
	since := now.Add(-s.opts.AnalysisExpectedWithin)
	unknown, err := s.db.OutcomeUnknownSentSince(ctx, s.db.SQL, since)
	if err != nil || len(unknown) == 0 {
		return
	}
	hooks, err := s.db.UnmatchedUploadsSince(ctx, s.db.SQL, since)
	if err != nil {
		s.log.Warn("could not read Kendo's unmatched analyses", "error", err)
		return
	}
	for _, h := range hooks {
		ev, err := kendo.ParseWebhook(nil, h.Raw)
		if err != nil || ev.Test {
			continue // its body was purged, or it is a test
		}
		if ev.Data.Timestamp.IsZero() || ev.Data.Timestamp.After(h.ReceivedAt) {
			ev.Data.Timestamp = h.ReceivedAt
		}
		var resolved string
		err = s.inTx(ctx, func(ctx context.Context, t *callTx) error {
			resolved = ""
			if _, err := s.db.CallByKendoID(ctx, t.tx, ev.Data.KendoCallID); !errors.Is(err, store.ErrNoCall) {
				return err // a call has that callId now (its 201 was committed since): not ours to resolve
			}
			id, err := s.resolveUnknown(ctx, t, ev.Data, now)
			if err != nil || id == "" {
				return err
			}
			resolved = id
			return s.db.SetWebhookResult(ctx, t.tx, h.DeliveryID, string(WebhookResolved))
		})
		if err != nil {
			s.log.Warn("could not try Kendo's unmatched analysis again", "kendoCallId", ev.Data.KendoCallID, "error", err)
			continue
		}
		if resolved != "" {
			s.callLog(resolved).Warn("outcome resolved by Kendo: an analysis that arrived earlier matches this call alone; delivered, not sent again",
				"kendoCallId", ev.Data.KendoCallID)
		}
	}
}
