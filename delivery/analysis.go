package delivery

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// RecordAnalysis applies one verified Kendo webhook delivery (raw is its body as
// received). call.uploaded for a delivered call makes it analyzed; a repeat of a delivery
// id, a test delivery and other events change nothing; an unmatched one is stored and
// counted. Only a storage failure is an error (Kendo then retries).
func (s *Service) RecordAnalysis(ctx context.Context, ev kendo.WebhookEvent, raw []byte) (WebhookResult, error) {
	if ev.Test {
		s.metrics.webhooks.WithLabelValues(string(WebhookTest)).Inc()
		return WebhookTest, nil
	}
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	var result WebhookResult
	var delay float64
	var alowareCallID string
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		result, delay, alowareCallID = WebhookIgnored, -1, ""
		if ev.Event == "call.uploaded" && ev.Data.KendoCallID != "" {
			result = WebhookUnmatched
			call, err := s.db.CallByKendoID(ctx, tx, ev.Data.KendoCallID)
			switch {
			case errors.Is(err, store.ErrNoCall):
			case err != nil:
				return err
			default:
				result, alowareCallID = WebhookMatched, call.AlowareCallID
			}
			if result == WebhookMatched {
				wasAnalyzed := call.AnalyzedAt != nil
				call.AIScore, call.AgentName = store.Text(ev.Data.AIScore, 20), store.Text(ev.Data.AgentName, 200)
				err := s.apply(ctx, tx, &call, lifecycle.AnalysisReady{At: now}, now, nil)
				if errors.Is(err, lifecycle.ErrNotApplicable) {
					result = WebhookUnmatched // e.g. erased meanwhile: its callId is known, the call is not "delivered"
				} else if err != nil {
					return err
				} else if !wasAnalyzed && call.DeliveredAt != nil {
					delay = now.Sub(*call.DeliveredAt).Seconds()
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
			Result: string(result), ReceivedAt: now, Raw: raw})
		if err != nil {
			return err
		}
		if !stored {
			result = WebhookDuplicate
			return errDuplicateWebhook // roll back: a repeat changes nothing
		}
		return nil
	})
	if errors.Is(err, errDuplicateWebhook) {
		err = nil
	}
	if err != nil {
		return "", err
	}
	s.metrics.webhooks.WithLabelValues(string(result)).Inc()
	if delay >= 0 {
		s.metrics.analysisDelay.Observe(delay)
	}
	if alowareCallID != "" && result == WebhookMatched {
		s.callLog(alowareCallID).Info("Kendo's analysis is available", "kendoCallId", ev.Data.KendoCallID)
	}
	return result, nil
}

var errDuplicateWebhook = errors.New("delivery: webhook delivery seen before")
