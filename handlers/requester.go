package handlers

import (
	"context"
	"strings"
	"unicode"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

type requesterKey struct{}

// requester names who asked for an operator action, for the reason shown on the call:
// "API", or "API (basic user NAME)" when inbound Basic credentials let the request in.
func requester(ctx context.Context) string {
	if by, ok := ctx.Value(requesterKey{}).(string); ok {
		return by
	}
	return "API"
}

// maxUserName bounds the name quoted in a reason.
const maxUserName = 64

// nameRequester records the Basic user of the request. Only when inbound auth is on:
// then the authenticator has already checked the credentials, so the name is the
// configured one; without auth, any name could be sent and none is used.
func (s *server) nameRequester(ctx huma.Context, next func(huma.Context)) {
	if s.deps.Auth == nil || !s.deps.Auth.Enabled() {
		next(ctx)
		return
	}
	r, _ := humago.Unwrap(ctx)
	user, _, ok := r.BasicAuth()
	if !ok || user == "" || len(user) > maxUserName || strings.IndexFunc(user, notPrintable) >= 0 {
		next(ctx)
		return
	}
	next(huma.WithValue(ctx, requesterKey{}, "API (basic user "+user+")"))
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) }
