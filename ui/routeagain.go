package ui

import (
	"context"
	"net/http"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

// routeAgain routes every unrouted call again with the teams file as it is now: a bulk
// redelivery of the unrouted calls (each queued at most once; an unrouted call has never
// reached Kendo, so none is outcome-unknown). Calls no team takes still stay unrouted,
// and the notice says how many.
func (s *server) routeAgain(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	filter := delivery.ListFilter{Statuses: []lifecycle.Status{lifecycle.Unrouted}}
	res, err := s.engine.RedeliverMany(ctx, filter, delivery.BulkOptions{}, s.gate.actor(r))
	if err != nil {
		s.log.Warn("ops page: the engine failed", "what", "route again", "error", err)
		http.Redirect(w, r, errorURL("/ui", "engine"), http.StatusSeeOther)
		return
	}
	s.log.Info("ops page: unrouted calls routed again", "matched", res.Matched, "queued", res.Queued,
		"stillUnrouted", res.Excluded[delivery.ExcludedUnrouted], "by", s.gate.actor(r))
	http.Redirect(w, r, noticeURL("/ui", "routed", res.Queued, res.Excluded[delivery.ExcludedUnrouted])+"#notice", http.StatusSeeOther)
}
