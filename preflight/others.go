package preflight

import (
	"context"
	"net"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// UsersAPI loads Aloware's user list (*reps.Directory): Refresh fetches it once and
// fails on anything but a 200 with a JSON list; Users counts what it returned.
type UsersAPI interface {
	Refresh(ctx context.Context) error
	Users() int
}

// AlowareToken checks the Aloware API token by loading the Users API once; nil users
// means no token is set, which passes (rep lookups by user_id are simply off).
func AlowareToken(ctx context.Context, users UsersAPI) Check {
	const name = "aloware token"
	if users == nil {
		return pass(name, "not set: no rep lookups by user_id (calls use the agent fields of the events and --rep-email-map)")
	}
	if err := users.Refresh(ctx); err != nil {
		return fail(name, "the Users API did not answer with a user list: %v", err) // reps scrubs the token
	}
	return pass(name, "the Users API answered 200 with %d user(s)", users.Users())
}

// InboundAuth fails when the service listens beyond loopback without inbound
// credentials: anyone who reaches it could push events.
func InboundAuth(listen string, authEnabled bool) Check {
	const name = "inbound auth"
	switch {
	case authEnabled:
		return pass(name, "set (--inbound-token or --inbound-basic): every route but health, docs and Kendo's signed webhook needs it")
	case LoopbackOnly(listen):
		return pass(name, "not set, and not needed: %s accepts connections from this machine only", listen)
	}
	return fail(name, "NOT SET while listening on %s, beyond loopback: anyone who can reach it can push events; "+
		"set --inbound-token or --inbound-basic (Aloware's webhook form supports both)", listen)
}

// LoopbackOnly reports whether listen accepts connections from this machine only.
func LoopbackOnly(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TeamsFile reads the teams file again (the running service sees whether the file on
// disk still loads, as the next start will read it) and lists its teams and warnings.
func TeamsFile(path string, getenv func(string) string, defaultRate kendo.Rate) Check {
	const name = "teams file"
	if path == "" {
		return pass(name, "not used: the single --kendo-api-key is the team %q", teams.SingleName)
	}
	router, err := teams.Load(path, getenv, defaultRate)
	if err != nil {
		return fail(name, "%s", strings.ReplaceAll(err.Error(), "\n  ", " | "))
	}
	detail := path + ": " + router.String()
	for _, w := range router.Warnings() {
		detail += " | warning: " + w
	}
	// A file without a default is valid (a deployment may want unmatched calls held), but
	// it is the one setting that silently keeps calls from Kendo, so check says so. The
	// loader does not warn: the service logs its warnings at every start.
	if _, ok := router.Default(); !ok {
		detail += " | warning: no `default` team: a call no team matches is stored as unrouted and not sent " +
			"(`default: <team>` sends such calls to that team)"
	}
	return pass(name, "%s", detail)
}
