package handlers

import (
	"net"
	"net/http"
	"strings"
)

// What a browser can be made to do against a service on this machine, and the two
// guards against it. Servers (Aloware, n8n, Make, curl) are not browsers: they send no
// fetch metadata and address the service by the name they were given, so neither guard
// touches them.

// guardCrossOrigin refuses a state-changing request (POST, PUT, PATCH, DELETE) that a
// browser sent on behalf of another site: a form POST, a no-cors fetch. Go's
// net/http.CrossOriginProtection decides it from Sec-Fetch-Site, or else from an Origin
// that is not the request's own host. It applies in every mode: credentials a browser
// holds (Basic) would go along with such a request. The ops page applies the same
// protection itself, answering with a page a person can read, so /ui is left to it.
func guardCrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusForbidden, "refused: a browser sent this request on behalf of another site "+
			"(Sec-Fetch-Site or Origin); state-changing requests are taken from servers and the service's own pages only")
	}))
	guarded := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, "/ui/") {
			next.ServeHTTP(w, r)
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// guardHost answers 421 to a request addressed to a name that is not this machine's nor
// one the operator allowed. It runs only while no inbound credentials are configured:
// then a page whose DNS name an attacker rebinds to 127.0.0.1 is same-origin with the
// service, and could read calls and act on them. With credentials it does not run: such
// a page does not have them.
//
// The health routes answer under any name (a container probe addresses the pod's IP),
// and so does Kendo's webhook, whose signature is its authentication.
func guardHost(next http.Handler, allowed []string) http.Handler {
	list := newHostList(allowed)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz", "/readyz", KendoWebhookPath:
			next.ServeHTTP(w, r)
			return
		}
		if !list.allows(r.Host) {
			writeProblem(w, http.StatusMisdirectedRequest, "this service answers only to loopback names (localhost, 127.0.0.1, [::1]) "+
				"while no inbound credentials are set: add the name this request used to --allowed-hosts, or set --inbound-token or --inbound-basic")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostList is --allowed-hosts read: exact names or addresses, "*.suffix" patterns and
// CIDR ranges. Ports are not compared.
type hostList struct {
	names    map[string]bool
	suffixes []string // ".example.com" for "*.example.com"
	nets     []*net.IPNet
}

func newHostList(entries []string) hostList {
	l := hostList{names: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if _, n, err := net.ParseCIDR(e); err == nil {
			l.nets = append(l.nets, n)
			continue
		}
		if suffix, ok := strings.CutPrefix(e, "*"); ok && strings.HasPrefix(suffix, ".") {
			l.suffixes = append(l.suffixes, hostName(suffix))
			continue
		}
		l.names[hostName(e)] = true
	}
	return l
}

// allows reports whether a Host header names this machine or an allowed name. An empty
// Host (HTTP/1.0) is no browser's.
func (l hostList) allows(hostHeader string) bool {
	if hostHeader == "" {
		return true
	}
	h := hostName(hostHeader)
	ip := net.ParseIP(h)
	switch {
	case ip != nil && ip.IsLoopback(), h == "localhost", strings.HasSuffix(h, ".localhost"):
		// *.localhost resolves to loopback by itself (RFC 6761): no DNS answer can rebind it.
		return true
	case l.names[h]:
		return true
	}
	for _, n := range l.nets {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	for _, s := range l.suffixes {
		if strings.HasSuffix(h, s) && len(h) > len(s) {
			return true
		}
	}
	return false
}

// hostName is the name or address of a Host header or an allow-list entry, without its
// port, IPv6 brackets, trailing dot or case.
func hostName(s string) string {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	} else {
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	}
	return strings.TrimSuffix(strings.ToLower(s), ".")
}
