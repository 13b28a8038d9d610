package ui

import (
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/mask"
)

// The views below are what the templates print. Every free text from a call (titles,
// reasons, errors, warnings, transcript, metadata) is masked while the view is built, so
// a template cannot forget to.

type tileView struct {
	Label, Value, Hint, Link string
	Tone                     string // "", "bad", "wait"
}

type keyView struct {
	Team, KeyID     string
	InWindow, Limit int
	Window          string // "30/min"
	Backlog         int
	Drain           string // time the backlog needs at this pace
	Paused          bool
	PausedSince     string
	PauseReason     string
	Full            bool // the window is used up: new sends wait for it to roll
}

type rowView struct {
	ID, Link       string
	Status         string
	StatusClass    string
	Reason         string
	Team           string
	Direction      string
	RepEmail       string
	CallDate       string
	Attempts       int
	LastError      string
	KendoCallID    string
	OutcomeUnknown bool
	Updated        string
	UpdatedAgo     string
	Redeliverable  bool
}

func overviewTiles(ov delivery.Overview, now time.Time) []tileView {
	since := url.Values{"since": {ov.Since.UTC().Format(time.RFC3339)}}
	oldest := tileView{Label: "Oldest in queue", Value: "none", Hint: "the queue is empty", Link: "/ui?status=scheduled&status=delivering"}
	if ov.OldestQueued != nil {
		oldest.Value, oldest.Hint = fmtDuration(now.Sub(*ov.OldestQueued)), "since "+fmtTime(*ov.OldestQueued)
		if now.Sub(*ov.OldestQueued) > time.Hour {
			oldest.Tone = "bad"
		}
	}
	tone := func(n int, t string) string {
		if n > 0 {
			return t
		}
		return ""
	}
	return []tileView{
		{Label: "Received", Value: strconv.Itoa(ov.Received), Hint: "calls, last 24 h", Link: "/ui?" + since.Encode()},
		{Label: "Delivered", Value: strconv.Itoa(ov.Delivered), Hint: "last 24 h", Link: "/ui?status=delivered&status=analyzed&" + since.Encode()},
		{Label: "In queue", Value: strconv.Itoa(ov.Queued), Hint: "now", Link: "/ui?status=scheduled&status=delivering", Tone: tone(ov.Queued, "wait")},
		{Label: "Failed", Value: strconv.Itoa(ov.Failed), Hint: "now, need an operator", Link: "/ui?status=failed", Tone: tone(ov.Failed, "bad")},
		{Label: "Quarantined", Value: strconv.Itoa(ov.Quarantined), Hint: "events now", Link: "/ui/quarantine", Tone: tone(ov.Quarantined, "bad")},
		{Label: "Analyzed", Value: strconv.Itoa(ov.Analyzed), Hint: "by Kendo, last 24 h", Link: "/ui?status=analyzed&" + since.Encode()},
		oldest,
	}
}

func keyViews(keys []delivery.KeyUse) []keyView {
	out := make([]keyView, 0, len(keys))
	for _, k := range keys {
		v := keyView{Team: k.Team, KeyID: k.KeyID, InWindow: k.InWindow, Limit: k.Limit, Window: fmtRate(k.Limit, k.Period),
			Backlog: k.Backlog, Paused: k.Paused, PauseReason: mask.Text(k.PauseReason), Full: k.Limit > 0 && k.InWindow >= k.Limit}
		if v.Team == "" {
			v.Team = "default"
		}
		switch {
		case k.Backlog == 0:
			v.Drain = "nothing waits"
		case k.Paused:
			v.Drain = "paused"
		default:
			v.Drain = fmtDuration(k.DrainTime)
		}
		if k.PausedSince != nil {
			v.PausedSince = fmtTime(*k.PausedSince)
		}
		out = append(out, v)
	}
	return out
}

func rowViews(items []delivery.CallSummary, now time.Time) []rowView {
	out := make([]rowView, 0, len(items))
	for _, c := range items {
		out = append(out, rowView{
			ID: c.AlowareCallID, Link: callPath(c.AlowareCallID),
			Status: string(c.Status), StatusClass: statusClass(c.Status), Reason: mask.Text(c.Reason),
			Team: c.Team, Direction: c.Direction, RepEmail: c.RepEmail, CallDate: fmtTimePtr(c.CallDate),
			Attempts: c.Attempts, LastError: mask.Text(c.LastError), KendoCallID: c.KendoCallID,
			OutcomeUnknown: c.OutcomeUnknown, Updated: fmtTime(c.UpdatedAt), UpdatedAgo: ago(c.UpdatedAt, now),
			Redeliverable: c.Redeliverable(),
		})
	}
	return out
}

func callPath(id string) string { return "/ui/calls/" + url.PathEscape(id) }

// The call page.

type recordView struct {
	ID, Status, StatusClass, Reason string
	KendoCallID                     string
	Team, Direction, RepEmail       string
	CallDate, FirstSeen, Updated    string
	Delivered, NextAttempt, Purged  string
	Attempts                        int
	LastError                       string
	OutcomeUnknown                  bool
	Analysis                        *analysisView
	Warnings                        []string
	Late                            []string // artifacts that came after the call was sent, in words
	Watch                           bool     // not settled yet (received or in the queue): the page refreshes itself
	CanRedeliver, CanSkip, CanErase bool
}

type analysisView struct{ Score, Agent, Received string }

type timelineEntry struct {
	At, ISO, What, Detail string
	Tone                  string
	at                    time.Time
}

type attemptView struct {
	N                         int
	Started, Finished         string
	Outcome, HTTPStatus, Text string
	KendoCallID               string
	Tone                      string
}

type payloadView struct {
	Sent               bool // the exact body of the call's latest request, as recorded with it
	SentBefore         bool // not recorded (sent by an earlier version): what would be sent now is shown
	Attempt            int  // Sent: the request that carried it
	Bytes              int
	SHA256             string
	Ready              bool
	State, Reason      string
	Title, RepName     string
	RepEmail, CallDate string
	Duration           string
	Audio              string // scheme and host only
	Transcript         string
	Metadata           []metaEntry
	Warnings           []string
}

type metaEntry struct{ Key, Value string }

func recordViewOf(r delivery.CallRecord) recordView {
	v := recordView{
		ID: r.AlowareCallID, Status: string(r.Status), StatusClass: statusClass(r.Status), Reason: mask.Text(r.Reason),
		KendoCallID: r.KendoCallID, Team: r.Team, Direction: r.Direction, RepEmail: r.RepEmail,
		CallDate: fmtTimePtr(r.CallDate), FirstSeen: fmtTime(r.FirstSeenAt), Updated: fmtTime(r.UpdatedAt),
		Delivered: fmtTimePtr(r.DeliveredAt), NextAttempt: fmtTimePtr(r.NextAttemptAt), Purged: fmtTimePtr(r.PurgedAt),
		Attempts: r.Attempts, LastError: mask.Text(r.LastError), OutcomeUnknown: r.OutcomeUnknown,
		Watch:        r.Status == lifecycle.Received || r.Status.Queued(),
		CanRedeliver: r.Redeliverable(), CanSkip: canSkip(r.Status), CanErase: canErase(r.Status),
	}
	for _, w := range r.Warnings {
		v.Warnings = append(v.Warnings, mask.Text(w))
	}
	for _, l := range r.LateArtifacts {
		v.Late = append(v.Late, mask.Text(l.Event)+": "+l.Note)
	}
	if a := r.Analysis; a != nil {
		v.Analysis = &analysisView{Score: a.AIScore, Agent: mask.Text(a.AgentName), Received: fmtTime(a.ReceivedAt)}
	}
	return v
}

// timeline merges what happened to a call, oldest first: its events, each Kendo
// request and answer, the delivery, the analysis, the purge.
func timeline(r delivery.CallRecord) []timelineEntry {
	var out []timelineEntry
	add := func(at time.Time, what, detail, tone string) {
		out = append(out, timelineEntry{At: fmtTime(at), ISO: isoTime(at), What: what, Detail: detail, Tone: tone, at: at})
	}
	for _, e := range r.Events {
		detail := ""
		if e.Kind != "" && e.Kind != "call" {
			detail = "a " + e.Kind + " event, not a call's"
		}
		add(e.ReceivedAt, "Event "+mask.Text(e.Name), detail, "")
	}
	for _, a := range r.AttemptLog {
		add(a.StartedAt, "Attempt "+strconv.Itoa(a.N)+": "+answerText(a), mask.Text(a.Message), attemptTone(a))
	}
	if r.DeliveredAt != nil {
		add(*r.DeliveredAt, "Delivered", "Kendo callId "+r.KendoCallID, "ok")
	}
	if a := r.Analysis; a != nil {
		add(a.ReceivedAt, "Analyzed by Kendo", "score "+a.AIScore, "ok")
	}
	if r.PurgedAt != nil {
		add(*r.PurgedAt, "Content purged", "raw events and payload text removed; ids and history stay", "")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func answerText(a delivery.Attempt) string {
	switch {
	case a.HTTPStatus > 0:
		return a.Outcome + " (HTTP " + strconv.Itoa(a.HTTPStatus) + ")"
	case a.Outcome == "" || a.Outcome == "unknown":
		return "no answer recorded"
	}
	return a.Outcome
}

// attemptTone colours an attempt by its outcome, which the engine records as the
// kendo.Outcome of Kendo's answer ("unknown" while none was recorded).
func attemptTone(a delivery.Attempt) string {
	switch kendo.Outcome(a.Outcome) {
	case kendo.Accepted:
		return "ok"
	case kendo.RateLimited, kendo.Transient:
		return "wait"
	}
	return "bad"
}

func attemptViews(log []delivery.Attempt) []attemptView {
	out := make([]attemptView, 0, len(log))
	for _, a := range log {
		v := attemptView{N: a.N, Started: fmtTime(a.StartedAt), Finished: fmtTimePtr(a.FinishedAt), Outcome: answerText(a),
			Text: mask.Text(a.Message), KendoCallID: a.KendoCallID, Tone: attemptTone(a)}
		if a.HTTPStatus > 0 {
			v.HTTPStatus = strconv.Itoa(a.HTTPStatus)
		}
		out = append(out, v)
	}
	return out
}

// payloadViewOf shows the body a call's latest request sent, or, before any, what would
// be sent; status says whether a request was made before bodies were recorded.
func payloadViewOf(pl delivery.Payload, status lifecycle.Status) *payloadView {
	v := &payloadView{Sent: pl.Source == delivery.PayloadSent, Ready: pl.Ready, State: pl.State, Reason: mask.Text(pl.Reason)}
	if v.Sent {
		v.Attempt, v.Bytes, v.SHA256 = pl.Attempt, pl.Bytes, pl.SHA256
	} else {
		v.SentBefore = status.Sent()
	}
	for _, w := range pl.Warnings {
		v.Warnings = append(v.Warnings, mask.Text(w))
	}
	p := pl.Body
	if p == nil {
		return v
	}
	v.Title, v.RepName, v.RepEmail, v.CallDate = mask.Text(p.CallTitle), mask.Text(p.RepName), p.RepEmail, p.CallDate
	if p.Duration != nil {
		v.Duration = strconv.Itoa(*p.Duration) + " s"
		if *p.Duration >= 60 {
			v.Duration += " (" + fmtDuration(time.Duration(*p.Duration)*time.Second) + ")"
		}
	}
	if p.AudioURL != "" {
		v.Audio = mask.URL(p.AudioURL)
	}
	v.Transcript = clip(mask.Text(p.Transcript), maxTranscript) // masked whole: a cut must not split a number
	keys := make([]string, 0, len(p.Metadata))
	for k := range p.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v.Metadata = append(v.Metadata, metaEntry{Key: k, Value: mask.MetadataValue(k, p.Metadata[k])})
	}
	return v
}

// The quarantine page.

type quarantineView struct {
	ID       int64
	Received string
	Event    string
	Size     string
	Problems []problemView
}

type problemView struct{ Location, Message string }

func quarantineViews(items []delivery.QuarantinedEvent) []quarantineView {
	out := make([]quarantineView, 0, len(items))
	for _, q := range items {
		v := quarantineView{ID: q.ID, Received: fmtTime(q.ReceivedAt), Event: mask.Text(q.Event), Size: fmtBytes(int64(q.Size))}
		for _, p := range q.Problems {
			v.Problems = append(v.Problems, problemView{Location: mask.Text(p.Location), Message: mask.Text(p.Message)})
		}
		out = append(out, v)
	}
	return out
}

func fmtBytes(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1<<20:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}

// maxTranscript bounds the transcript a page shows (Kendo takes up to 5 MB): enough to
// read what was said, without a page of megabytes.
const maxTranscript = 20000

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "\n… (" + strconv.Itoa(len(r)-n) + " more characters not shown)"
}
