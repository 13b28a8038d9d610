package ui

import (
	"net"
	"net/http"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/inbound"
)

// Access says who may use the ops page: the holder of --ui-basic when it is set, else
// the holder of the inbound credentials, else (no credential at all) only clients on
// this machine.
type Access struct {
	UIBasic      string // --ui-basic user:pass
	InboundToken string // --inbound-token
	InboundBasic string // --inbound-basic user:pass
}

// mode is the rule in force, as the 401/403 pages explain it.
type mode int

const (
	loopbackOnly mode = iota
	uiCredentials
	inboundCredentials
)

// gate decides each request. Credentials are compared by package inbound, in constant time.
type gate struct {
	mode  mode
	auth  *inbound.Authenticator
	basic bool // the credential in force can be Basic, which a browser asks for by itself
}

func newGate(a Access) (*gate, error) {
	switch {
	case strings.TrimSpace(a.UIBasic) != "":
		auth, err := inbound.New(inbound.Config{Basic: a.UIBasic})
		if err != nil {
			return nil, err
		}
		return &gate{mode: uiCredentials, auth: auth, basic: true}, nil
	case strings.TrimSpace(a.InboundToken) != "" || strings.TrimSpace(a.InboundBasic) != "":
		auth, err := inbound.New(inbound.Config{Token: a.InboundToken, Basic: a.InboundBasic})
		if err != nil {
			return nil, err
		}
		return &gate{mode: inboundCredentials, auth: auth, basic: strings.TrimSpace(a.InboundBasic) != ""}, nil
	}
	return &gate{mode: loopbackOnly}, nil
}

// verdict is what the gate decided for one request.
type verdict int

const (
	allowed verdict = iota
	needCredentials
	notLoopback
)

func (g *gate) check(r *http.Request) verdict {
	if g.mode == loopbackOnly {
		if fromLoopback(r) {
			return allowed
		}
		return notLoopback
	}
	if g.auth.Allow(r) {
		return allowed
	}
	return needCredentials
}

// fromLoopback reports whether the client is this machine. A request that came through
// a proxy (it says so in a forwarding header) is not: the proxy may be on this machine,
// its client is not.
func fromLoopback(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Host"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// actor names who asked for an action, for the reason the engine records on a call:
// the Basic user name when there is one (it is not a secret; the start-up log shows it too).
func (g *gate) actor(r *http.Request) string {
	if g.mode == loopbackOnly {
		return "ops page (local)"
	}
	if user, _, ok := r.BasicAuth(); ok && user != "" {
		return "ops page (" + user + ")"
	}
	return "ops page"
}
