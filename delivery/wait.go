package delivery

import (
	"context"
	"time"

	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// waitPoll is how often a waiting caller re-reads its call. Polling the row (rather than
// an in-process signal) sees deliveries made by any replica.
const waitPoll = 100 * time.Millisecond

// Wait holds until the call reaches a final status or max has passed, and returns the
// receipt as it then stands. It never holds longer than max.
func (s *Service) Wait(ctx context.Context, alowareCallID string, max time.Duration) (Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, max)
	defer cancel()
	tick := time.NewTicker(waitPoll)
	defer tick.Stop()
	for {
		call, err := s.db.GetCall(ctx, alowareCallID)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return Receipt{}, err
		}
		if call.Status.Final() {
			return receiptOf(call), nil
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
			continue
		}
		break
	}
	// The wait is over: answer with the state as it is now, on a fresh context.
	call, err := s.db.GetCall(context.WithoutCancel(ctx), alowareCallID)
	if err != nil {
		return Receipt{}, err
	}
	return receiptOf(call), nil
}

func receiptOf(c store.Call) Receipt {
	rc := Receipt{AlowareCallID: c.AlowareCallID, Status: c.Status, Reason: c.Reason, KendoCallID: c.KendoCallID}
	if c.Status == lifecycle.Scheduled {
		rc.DeliverAfter = c.DeliverAfter
	}
	return rc
}
