package preflight

import (
	"context"
	"fmt"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/teams"
)

// Sender posts one body with a key and classifies Kendo's answer (*kendo.Client).
type Sender interface {
	Send(ctx context.Context, apiKey string, body []byte) kendo.Result
}

// refusedBody is a Push API request Kendo must refuse for its body: no transcript and
// no audioUrl. So the key can be tested without creating a call.
var refusedBody = []byte(`{}`)

// KendoKeys checks each team's key, one line per team, in the teams' order. A key two
// teams share is sent once; the later team's line repeats the verdict.
func KendoKeys(ctx context.Context, s Sender, all []teams.Team) []Check {
	out := make([]Check, 0, len(all))
	first := map[string]int{} // key → index in out
	for _, t := range all {
		if i, seen := first[t.APIKey]; seen && t.APIKey != "" {
			c := out[i]
			c.Name, c.Detail = "kendo key "+t.Name, "the same key as team "+all[i].Name+": "+c.Detail
			out = append(out, c)
			continue
		}
		first[t.APIKey] = len(out)
		out = append(out, KendoKey(ctx, s, t))
	}
	return out
}

// KendoKey tells whether Kendo refuses a team's key, by POSTing a body Kendo must
// refuse (`{}`). It spends one request of the key's rate window.
//
//   - 400: the key was not refused. The emulator checks the key before the body;
//     Kendo's real order is undocumented, so this shows the key was not refused, not
//     that Kendo checked it. Passes.
//   - 401/403: the key is refused. Fails.
//   - 429, 5xx, no answer: the answer cannot tell. Fails, because exit 0 must mean
//     every check passed; run the check again.
//   - 2xx: Kendo created a call from an empty body (or --kendo-url is not Kendo's Push
//     API). Fails, loudly.
func KendoKey(ctx context.Context, s Sender, t teams.Team) Check {
	name := "kendo key " + t.Name
	if t.APIKey == "" {
		return fail(name, "no Kendo key is set (--kendo-api-key or KENDO_API_KEY): ready calls would wait for one")
	}
	key := t.KeyID()
	res := s.Send(ctx, t.APIKey, refusedBody)
	said := ""
	if res.Message != "" {
		said = fmt.Sprintf(" (Kendo said: %q)", res.Message) // Result.Message never holds the key
	}
	switch res.Outcome {
	case kendo.BadRequest:
		return pass(name, "%s was not refused: Kendo answered 400 to a body it must refuse (no transcript, no audioUrl), "+
			"so no call was created. The emulator checks the key before the body; Kendo's real order is undocumented, "+
			"so a 400 shows the key was not refused, not that Kendo checked it%s", key, said)
	case kendo.Unauthorized:
		return fail(name, "Kendo REFUSED %s with %d%s: create a key for this team in Kendo (Integrations > Push API) and set it", key, res.Status, said)
	case kendo.RateLimited:
		wait := ""
		if res.RetryAfter > 0 {
			wait = " in " + res.RetryAfter.Round(time.Second).String()
		}
		return fail(name, "cannot tell: Kendo answered 429 (rate limit) for %s before judging it%s; run the check again%s", key, said, wait)
	case kendo.Transient, kendo.Unreachable:
		if res.Status == 0 {
			return fail(name, "cannot tell: Kendo did not answer (%s); check --kendo-url and the network, then run the check again", res.Message)
		}
		return fail(name, "cannot tell: Kendo answered %d for %s%s; run the check again", res.Status, key, said)
	case kendo.Accepted:
		return fail(name, "KENDO CREATED A CALL (callId %q) FROM AN EMPTY BODY with %s: the key works, but Kendo did not refuse "+
			"what it documents it refuses; is --kendo-url Kendo's Push API? Delete that call in Kendo", res.KendoCallID, key)
	}
	return fail(name, "unexpected answer %d for %s%s; is --kendo-url Kendo's Push API ingest URL?", res.Status, key, said)
}
