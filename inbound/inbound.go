// Package inbound authenticates callers of the service's HTTP routes.
// Aloware's webhook form offers Bearer or Basic credentials and nothing else:
// no signature, no timestamp. So the static secret is all there is, and it is
// compared in constant time.
package inbound

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// Realm names this service in WWW-Authenticate challenges.
const Realm = "aloware-kendo"

// Config holds the secrets from --inbound-token and --inbound-basic.
type Config struct {
	Token string // Bearer token; "" disables Bearer
	Basic string // "user:pass"; "" disables Basic
}

// Authenticator checks the Authorization header. A nil or unconfigured
// Authenticator allows everything, which is the service's default.
type Authenticator struct {
	// Only digests are kept: comparing fixed-size digests means a wrong
	// guess takes the same time whatever its length.
	bearer, basic *[sha256.Size]byte
	challenges    []string
}

// New validates cfg. Surrounding whitespace is trimmed: secrets read from
// files or env vars often carry a trailing newline.
func New(cfg Config) (*Authenticator, error) {
	a := &Authenticator{}
	if tok := strings.TrimSpace(cfg.Token); tok != "" {
		a.bearer = digest(tok)
		a.challenges = append(a.challenges, `Bearer realm="`+Realm+`"`)
	}
	if basic := strings.TrimSpace(cfg.Basic); basic != "" {
		user, pass, ok := strings.Cut(basic, ":")
		switch {
		case !ok:
			return nil, errors.New(`inbound basic credentials must be "user:pass"`)
		case user == "":
			return nil, errors.New("inbound basic credentials: user must not be empty")
		case pass == "":
			return nil, errors.New("inbound basic credentials: password must not be empty")
		}
		a.basic = digest(basic)
		a.challenges = append(a.challenges, `Basic realm="`+Realm+`"`)
	}
	return a, nil
}

// Enabled reports whether any scheme is configured.
func (a *Authenticator) Enabled() bool { return a != nil && (a.bearer != nil || a.basic != nil) }

// Allow reports whether r carries a configured credential. Always true when
// nothing is configured.
func (a *Authenticator) Allow(r *http.Request) bool {
	if !a.Enabled() {
		return true
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok {
		return false
	}
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer") && a.bearer != nil:
		return equal(a.bearer, cred)
	case strings.EqualFold(scheme, "Basic") && a.basic != nil:
		raw, err := base64.StdEncoding.DecodeString(cred)
		return err == nil && equal(a.basic, string(raw))
	}
	return false
}

// Middleware answers 401 to requests that Allow rejects, except on paths for
// which open reports true (health, docs). It passes next through untouched
// when nothing is configured.
func (a *Authenticator) Middleware(next http.Handler, open func(path string) bool) http.Handler {
	if !a.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (open != nil && open(r.URL.Path)) || a.Allow(r) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		for _, c := range a.challenges {
			h.Add("WWW-Authenticate", c)
		}
		h.Set("Content-Type", "application/problem+json")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		// Fixed text: the presented credential is never echoed.
		w.Write([]byte(unauthorizedBody))
	})
}

const unauthorizedBody = `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"missing or invalid credentials"}`

func digest(s string) *[sha256.Size]byte {
	d := sha256.Sum256([]byte(s))
	return &d
}

func equal(want *[sha256.Size]byte, got string) bool {
	d := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(want[:], d[:]) == 1
}
