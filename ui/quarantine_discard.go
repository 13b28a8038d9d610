package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// discardOne is the quarantine page's Discard button on one event.
func (s *server) discardOne(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	by := s.gate.actor(r)
	res, err := s.engine.DiscardQuarantined(ctx, id, by)
	s.discarded(w, r, res, err, by)
}

// discardAll is the quarantine page's Discard all button; the box beside it must be
// ticked, since a discarded event can never be replayed.
func (s *server) discardAll(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("confirm") != "yes" {
		http.Redirect(w, r, errorURL("/ui/quarantine", "discard-not-confirmed"), http.StatusSeeOther)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	by := s.gate.actor(r)
	res, err := s.engine.DiscardQuarantine(ctx, delivery.DiscardFilter{All: true}, by)
	s.discarded(w, r, res, err, by)
}

func (s *server) discarded(w http.ResponseWriter, r *http.Request, res delivery.DiscardResult, err error, by string) {
	if ref, ok := refusal.Of(err); ok {
		http.Redirect(w, r, errorURL("/ui/quarantine", ref.Code), http.StatusSeeOther)
		return
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			s.log.Warn("ops page: the engine failed", "what", "quarantine discard", "error", err)
		}
		http.Redirect(w, r, errorURL("/ui/quarantine", "engine"), http.StatusSeeOther)
		return
	}
	s.log.Info("ops page: quarantined events discarded", "discarded", res.Discarded, "remaining", res.Remaining, "by", by)
	http.Redirect(w, r, noticeURL("/ui/quarantine", "discarded", res.Discarded, res.Remaining), http.StatusSeeOther)
}
