package delivery

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/mapping"
	"github.com/aloware-kendo/aloware-kendo/store"
)

// mergedCall returns the call merged so far: the Call kept in its row, or, when that was
// folded by other rules (an upgrade) or not kept yet, a fold of its stored raw events.
func (s *Service) mergedCall(ctx context.Context, q store.Querier, call store.Call) (mapping.Call, error) {
	var c mapping.Call
	if call.Merged != nil && call.MergedVersion == mapping.RulesVersion {
		if err := json.Unmarshal(call.Merged, &c); err != nil {
			return c, fmt.Errorf("delivery: the stored call %s does not decode: %w", call.AlowareCallID, err)
		}
		return c, nil
	}
	return s.refold(ctx, q, call)
}

// refold folds a call's stored raw events again with the current rules. When some were
// not kept (over the bound), it keeps the stored Call rather than lose their content.
func (s *Service) refold(ctx context.Context, q store.Querier, call store.Call) (mapping.Call, error) {
	events, err := s.db.Events(ctx, q, call.AlowareCallID, true)
	if err != nil {
		return mapping.Call{}, err
	}
	var c mapping.Call
	for _, e := range events {
		if len(e.Raw) == 0 && e.Size > 0 {
			if call.Merged != nil {
				var kept mapping.Call
				if json.Unmarshal(call.Merged, &kept) == nil {
					s.callLog(call.AlowareCallID).Warn("not every raw event was kept; using the call as stored instead of folding it again")
					return kept, nil
				}
			}
			continue
		}
		ev, err := aloware.Parse(e.Raw)
		if err != nil { // stored events parsed once; a parser change may refuse one
			s.callLog(call.AlowareCallID).Warn("stored event no longer parses; left out of the merge", "event", e.Name, "storedEventId", e.ID)
			continue
		}
		c.Fold(ev)
	}
	return c, nil
}

// setMerged keeps the merged call and what listings read off it on the row (the rep:
// attribution.setOn).
func setMerged(call *store.Call, merged mapping.Call, result mapping.Result) error {
	b, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("delivery: encode call: %w", err)
	}
	call.Merged, call.MergedVersion, call.Kind = b, mapping.RulesVersion, string(merged.Kind)
	if p := result.Payload; p != nil {
		call.Direction = p.Metadata["alowareDirection"]
	}
	if t := merged.Comm.CreatedAt; !t.IsZero() {
		call.CallDate = &t
	}
	return nil
}
