// Package reps attributes a call to a Kendo team member. Kendo credits a call
// to a member only when repEmail equals that member's email, while Aloware
// events often carry just the agent's user_id. The Directory fills the gap
// from a cached copy of Aloware's Users API and an operator-supplied map.
package reps

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Where a Rep's data came from.
const (
	SourceEvent    = "event"
	SourceUsersAPI = "users-api"
	SourceEmailMap = "email-map"
)

// DefaultBaseURL is Aloware's public API host as the KB examples use it.
const DefaultBaseURL = "https://app.aloware.com"

// DefaultTTL is how long a loaded user list is used before it is refreshed.
// Agents are added rarely; 15 minutes keeps new hires from waiting long.
const DefaultTTL = 15 * time.Minute

// Options configure a Directory. The zero value is a pass-through.
type Options struct {
	BaseURL    string            // Aloware API base; DefaultBaseURL when empty
	Token      string            // Aloware api_token; no Users API lookups without it
	TTL        time.Duration     // refresh interval; DefaultTTL when zero
	EmailMap   map[string]string // Aloware user id or email → Kendo member email
	HTTPClient *http.Client      // nil: a client with a 30 s timeout
	Logger     *slog.Logger      // nil: slog.Default()
}

// Rep is the attribution for one call.
type Rep struct {
	Name    string
	Email   string
	Source  string // SourceEvent, SourceUsersAPI or SourceEmailMap; "" when nothing is known
	Warning string // why attribution may be incomplete; "" when nothing went wrong
}

// Directory resolves reps without ever waiting on the network: lookups read
// an in-memory snapshot that Start keeps fresh in the background.
type Directory struct {
	users    *usersClient // nil without a token
	ttl      time.Duration
	emailMap map[string]string // keys normalised by normKey
	log      *slog.Logger
	state    atomic.Pointer[snapshot]
	started  atomic.Bool
}

// snapshot is replaced whole so Resolve needs no lock.
type snapshot struct {
	users   map[string]user // nil until the first successful load
	lastErr string          // last failure, already free of the token
}

// NewDirectory builds a Directory. It does no I/O; call Start (or Refresh).
func NewDirectory(o Options) *Directory {
	d := &Directory{ttl: o.TTL, log: o.Logger, emailMap: make(map[string]string, len(o.EmailMap))}
	if d.ttl <= 0 {
		d.ttl = DefaultTTL
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	for k, v := range o.EmailMap {
		d.emailMap[normKey(k)] = strings.TrimSpace(v)
	}
	if tok := strings.TrimSpace(o.Token); tok != "" {
		d.users = newUsersClient(o.BaseURL, tok, o.HTTPClient)
	}
	d.state.Store(&snapshot{})
	return d
}

// Start loads the user list in the background and refreshes it every TTL
// until ctx is done. It returns at once. Without a token it does nothing.
// Failures keep the last good copy; until a first load succeeds they are
// retried sooner (at most every minute) so attribution recovers quickly.
func (d *Directory) Start(ctx context.Context) {
	if d == nil || d.users == nil || !d.started.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			wait := d.ttl
			if err := d.Refresh(ctx); err != nil && d.state.Load().users == nil {
				wait = min(d.ttl, time.Minute)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
}

// Refresh fetches the user list once, synchronously. One-shot commands use it
// instead of Start. On failure the previous copy stays in use and the error
// (which never contains the token) is logged and returned.
func (d *Directory) Refresh(ctx context.Context) error {
	if d == nil || d.users == nil {
		return nil
	}
	users, err := d.users.fetch(ctx)
	old := d.state.Load()
	if err != nil {
		if ctx.Err() != nil {
			return err // shutting down; not worth a warning
		}
		d.state.Store(&snapshot{users: old.users, lastErr: err.Error()})
		d.log.Warn("aloware users lookup failed; keeping the last good copy",
			"error", err.Error(), "url", d.users.redactedURL(), "have_users", old.users != nil)
		return err
	}
	d.state.Store(&snapshot{users: users})
	d.log.Info("aloware users loaded", "count", len(users), "url", d.users.redactedURL())
	return nil
}

// Users is how many users the last successful load of the Users API returned; 0
// before one (the preflight shows it after a Refresh).
func (d *Directory) Users() int {
	if d == nil {
		return 0
	}
	return len(d.state.Load().users)
}

// Resolve attributes a call from the event's user id, name and email. It only
// reads memory. Order: the event's own values; when the email is missing, the
// cached Users API entry for userID; then the email map, by user id first
// (the operator's explicit choice for that agent) and then by email.
func (d *Directory) Resolve(userID, name, email string) Rep {
	userID, name, email = strings.TrimSpace(userID), strings.TrimSpace(name), strings.TrimSpace(email)
	rep := Rep{Name: name, Email: email}
	if name != "" || email != "" {
		rep.Source = SourceEvent
	}
	if d == nil {
		return rep
	}
	if rep.Email == "" && userID != "" && d.users != nil {
		snap := d.state.Load()
		switch u, ok := snap.users[userID]; {
		case snap.users == nil:
			reason := snap.lastErr
			if reason == "" {
				reason = "Aloware users not loaded yet"
			}
			rep.Warning = "rep lookup unavailable: " + reason
		case !ok:
			rep.Warning = "rep lookup: Aloware user " + userID + " not found in the Users API"
		default:
			rep.Email = u.Email
			if rep.Name == "" {
				rep.Name = u.Name
			}
			rep.Source = SourceUsersAPI
		}
	}
	if m, ok := d.mapped(userID, rep.Email); ok {
		rep.Email, rep.Source = m, SourceEmailMap
	}
	return rep
}

func (d *Directory) mapped(userID, email string) (string, bool) {
	for _, k := range []string{userID, email} {
		if k == "" {
			continue
		}
		if v, ok := d.emailMap[normKey(k)]; ok {
			return v, true
		}
	}
	return "", false
}

// normKey makes map keys case-insensitive: emails differ in case between
// systems, and user ids are digits so lowering them is harmless.
func normKey(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// NameOf is the name of the Aloware user an e-mail sent to Kendo belongs to ("" when
// none is known): the user whose e-mail it is, or the user the e-mail map maps to it. It
// only reads memory.
func (d *Directory) NameOf(email string) string {
	email = normKey(email)
	if d == nil || email == "" {
		return ""
	}
	users := d.state.Load().users
	for _, u := range users {
		if normKey(u.Email) == email {
			return u.Name
		}
	}
	for k, v := range d.emailMap {
		if normKey(v) != email {
			continue
		}
		if u, ok := users[k]; ok {
			return u.Name
		}
		for _, u := range users {
			if normKey(u.Email) == k {
				return u.Name
			}
		}
	}
	return ""
}
