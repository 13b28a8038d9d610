package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
	"github.com/aloware-kendo/aloware-kendo/reps"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// RecordAnalysis applies one verified Kendo webhook delivery (raw is its body as
// received). call.uploaded for a delivered call makes it analyzed; a repeat of a delivery
// id, a test delivery and other events change nothing; an unmatched one is stored and
// counted. Only a storage failure is an error (Kendo then retries).
func (s *Service) RecordAnalysis(ctx context.Context, ev kendo.WebhookEvent, raw []byte) (WebhookResult, error) {
	if ev.Test {
		s.metrics.count(tally{webhooks: []WebhookResult{WebhookTest}})
		return WebhookTest, nil
	}
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	var result WebhookResult
	var alowareCallID string
	err := s.inTx(ctx, func(ctx context.Context, t *callTx) error {
		result, alowareCallID = WebhookIgnored, ""
		tx := t.tx
		body := raw
		if ev.Event == "call.uploaded" && ev.Data.KendoCallID != "" {
			result = WebhookUnmatched
			call, err := s.db.CallByKendoID(ctx, tx, ev.Data.KendoCallID)
			switch {
			case errors.Is(err, store.ErrNoCall):
				resolved, err := s.resolveUnknown(ctx, t, ev.Data, now)
				if err != nil {
					return err
				}
				if resolved != "" {
					result, alowareCallID = WebhookResolved, resolved
				}
			case err != nil:
				return err
			case call.Status == lifecycle.Erased || call.PurgedAt != nil:
				// Its content is gone: the analysis, which names the agent, is not kept
				// either; its delivery id is, so a repeat is still recognised.
				body = []byte{}
			default:
				result, alowareCallID = WebhookMatched, call.AlowareCallID
			}
			if result == WebhookMatched {
				wasAnalyzed := call.AnalyzedAt != nil
				err := s.analyzed(ctx, t, &call, ev.Data, now, now)
				if errors.Is(err, lifecycle.ErrNotApplicable) {
					result = WebhookUnmatched // e.g. erased meanwhile: its callId is known, the call is not "delivered"
				} else if err != nil {
					return err
				} else if !wasAnalyzed && call.DeliveredAt != nil {
					t.tally.analysis = append(t.tally.analysis, now.Sub(*call.DeliveredAt))
				}
			}
		}
		id := ev.DeliveryID
		if id == "" {
			id = ev.ID
		}
		if id == "" { // Kendo always sends one; without, the body itself identifies a repeat
			sum := sha256.Sum256(raw)
			id = "sha256:" + hex.EncodeToString(sum[:])
		}
		stored, err := s.db.InsertWebhook(ctx, tx, store.Webhook{DeliveryID: id, Event: ev.Event, KendoCallID: ev.Data.KendoCallID,
			Result: string(result), ReceivedAt: now, Raw: body})
		if err != nil {
			return err
		}
		if !stored {
			result = WebhookDuplicate
			return errDuplicateWebhook // roll back: a repeat changes nothing
		}
		t.tally.webhooks = append(t.tally.webhooks, result)
		return nil
	})
	if errors.Is(err, errDuplicateWebhook) {
		s.metrics.count(tally{webhooks: []WebhookResult{WebhookDuplicate}}) // its transaction was rolled back
		err = nil
	}
	if err != nil {
		return "", err
	}
	switch {
	case alowareCallID != "" && result == WebhookMatched:
		s.callLog(alowareCallID).Info("Kendo's analysis is available", "kendoCallId", ev.Data.KendoCallID)
	case result == WebhookResolved:
		s.callLog(alowareCallID).Warn("outcome resolved by Kendo: its analysis of an unknown callId matches this call alone; delivered, not sent again",
			"kendoCallId", ev.Data.KendoCallID)
	}
	return result, nil
}

// analyzed records Kendo's analysis of a delivered call. A later analysis (Kendo
// re-scored the call) replaces the score and agent; the time of the first one stays, as
// the delay from delivery to analysis is measured to it.
func (s *Service) analyzed(ctx context.Context, t *callTx, call *store.Call, data kendo.WebhookCall, at, now time.Time) error {
	call.AIScore, call.AgentName = store.Text(data.AIScore, 20), store.Text(data.AgentName, 200)
	wasMismatch := call.RepState == string(reps.Mismatch)
	s.creditedBy(call, data.AgentName)
	if _, err := t.apply(ctx, call, lifecycle.AnalysisReady{At: at}, now, nil); err != nil {
		return err
	}
	if wasMismatch || call.RepState != string(reps.Mismatch) {
		return nil // told when the mismatch began, not at each re-analysis
	}
	return t.raise(ctx, notify.Event{Type: notify.RepsMismatch, Team: call.Team, AlowareCallID: call.AlowareCallID, At: now,
		Cause: mismatchCause(call.RepName, data.AgentName)})
}

// mismatchCause names the rep sent and the agent Kendo credited: the same pair on many
// calls is one cause, and one line of the e-mail map to fix.
func mismatchCause(repName, kendoAgentName string) string {
	if strings.TrimSpace(kendoAgentName) == "" {
		return fmt.Sprintf("sent rep %q, Kendo credited no agent", repName)
	}
	return fmt.Sprintf("sent rep %q, Kendo credited %q", repName, kendoAgentName)
}

// matchEarlyAnalysis applies an analysis that arrived before the 201 naming its callId
// was committed (it was stored unmatched; e.g. another replica took the webhook while
// this one retried the commit). The call counts as analyzed from the first such
// delivery; the latest gives the score.
func (s *Service) matchEarlyAnalysis(ctx context.Context, t *callTx, call *store.Call, now time.Time) error {
	early, err := s.db.UnmatchedAnalyses(ctx, t.tx, call.KendoCallID)
	if err != nil || len(early) == 0 {
		return err
	}
	latest := early[len(early)-1]
	ev, err := kendo.ParseWebhook(nil, latest.Raw)
	if err != nil { // its body was purged: the analysis is known to exist, its score is not
		ev = kendo.WebhookEvent{}
	}
	if err := s.analyzed(ctx, t, call, ev.Data, early[0].ReceivedAt, now); err != nil {
		return err
	}
	for _, w := range early {
		if err := s.db.SetWebhookResult(ctx, t.tx, w.DeliveryID, string(WebhookMatched)); err != nil {
			return err
		}
	}
	return nil
}

var errDuplicateWebhook = errors.New("delivery: webhook delivery seen before")
