package ui

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/aloware-kendo/aloware-kendo/refusal"
)

// After an action the page redirects (POST, then GET) with a notice code and at most a
// few counts in the URL: never a message, so nothing personal or arbitrary is reflected.

type notice struct {
	Text  string
	Error bool
	// Progress is set after a bulk redelivery: the page polls it while calls go out.
	Progress string
	Queued   int
}

func noticeURL(path, code string, counts ...int) string {
	v := url.Values{"done": {code}}
	for i, n := range counts {
		v.Set("n"+strconv.Itoa(i+1), strconv.Itoa(n))
	}
	return withQuery(path, v)
}

func errorURL(path, code string) string { return withQuery(path, url.Values{"error": {code}}) }

func withQuery(path string, v url.Values) string {
	u, err := url.Parse(path)
	if err != nil {
		return "/ui?" + v.Encode()
	}
	q := u.Query()
	for k, vals := range v {
		q[k] = vals
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// pageErrorTexts are the notices of what goes wrong on the page itself; what the engine
// refuses reads as the refusal table says (refusal.ByCode), the same words the API answers.
var pageErrorTexts = map[string]string{
	"bad-filter":            "The filter is not valid; nothing was redelivered.",
	"not-confirmed":         "Nothing was redelivered: re-sending calls Kendo may already have needs the confirmation ticked.",
	"engine":                "The engine could not do it; the service log says why.",
	"discard-not-confirmed": "Nothing was discarded: discarding every quarantined event needs the box ticked.",
}

// noticeOf reads the notice a redirect carried; nil when there is none.
func noticeOf(q url.Values) *notice {
	if code := q.Get("error"); code != "" {
		if r, ok := refusal.ByCode(code); ok {
			return &notice{Text: r.Notice, Error: true}
		}
		if text, ok := pageErrorTexts[code]; ok {
			return &notice{Text: text, Error: true}
		}
		return nil
	}
	n := func(i int) int { v, _ := strconv.Atoi(q.Get("n" + strconv.Itoa(i))); return max(v, 0) }
	switch q.Get("done") {
	case "redelivered":
		return &notice{Text: "Redelivery scheduled: the call goes out at the normal pace."}
	case "skipped":
		return &notice{Text: "Skipped: the call will not be sent."}
	case "erased":
		return &notice{Text: "Erased: the call's stored content is gone; its tombstone stays, so later events of it are dropped."}
	case "issue":
		nt := &notice{Text: fmt.Sprintf("Queued %d of the %d calls of this issue; they go out at the normal pace.", n(1), n(2))}
		if n(3) > 0 {
			nt.Text += fmt.Sprintf(" %d call(s) still match no team and stay unrouted: fix the teams file first.", n(3))
		}
		return nt
	case "bulk":
		nt := &notice{Text: fmt.Sprintf("Queued %d of the %d failed calls of this filter for redelivery; they go out at the normal pace.", n(1), n(2)), Queued: n(1)}
		if n(3) > 0 {
			nt.Text += fmt.Sprintf(" %d call(s) Kendo may already have were left failed.", n(3))
		}
		if nt.Queued > 0 {
			p := url.Values{"from": {q.Get("from")}, "queued": {strconv.Itoa(nt.Queued)}}
			for _, k := range []string{"since", "until", "q"} {
				if v := q.Get(k); v != "" {
					p.Set(k, v)
				}
			}
			nt.Progress = "/ui/progress?" + p.Encode()
		}
		return nt
	case "discarded":
		return &notice{Text: fmt.Sprintf("Discarded %d quarantined event(s) for good; %d remain.", n(1), n(2))}
	case "routed":
		nt := &notice{Text: fmt.Sprintf("Routed %d unrouted call(s) again: they go out at the normal pace.", n(1))}
		if n(2) > 0 {
			nt.Text += fmt.Sprintf(" %d still match no team: fix the teams file (a match, or a default team) and restart first.", n(2))
		}
		return nt
	case "replayed":
		return &notice{Text: fmt.Sprintf("Replayed %d quarantined event(s); %d remain.", n(1), n(2))}
	}
	return nil
}
