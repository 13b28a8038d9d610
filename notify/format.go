package notify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Message is one grouped notification: every event of one type and team raised since
// the previous message of that type and team.
type Message struct {
	ID        int64 // the outbox's message id; the webhook-id is derived from it, stable across retries
	Type      Type
	Team      string
	CreatedAt time.Time
	Data      Data
}

// Data is the "data" of the JSON webhook and what the Slack text is written from.
type Data struct {
	Team      string    `json:"team,omitempty"`
	Count     int       `json:"count"`           // events in the group
	Calls     int       `json:"calls,omitempty"` // distinct calls among them (types about calls)
	Summary   string    `json:"summary"`
	Causes    []Cause   `json:"causes"`
	CallLinks []Link    `json:"callIds"` // up to maxCallLinks, oldest first
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	OpsURL    string    `json:"opsUrl,omitempty"` // the ops page's issues, when --public-url is set
}

// Cause is one of the most frequent causes of a group, with how often it was raised.
type Cause struct {
	Cause string `json:"cause"`
	Count int    `json:"count"`
}

// Link names a call and, when --public-url is set, its page on the ops page.
type Link struct {
	AlowareCallID string `json:"alowareCallId"`
	URL           string `json:"url,omitempty"`
}

const (
	maxCauses    = 5  // a message lists the most frequent causes only
	maxCallLinks = 10 // … and at most this many calls
)

// callURL links one call's page on the ops page ("" without a public URL).
func callURL(publicURL, alowareCallID string) string {
	if publicURL == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/ui/calls/" + url.PathEscape(alowareCallID)
}

// issuesURL links the ops page's open issues ("" without a public URL).
func issuesURL(publicURL string) string {
	if publicURL == "" {
		return ""
	}
	return strings.TrimRight(publicURL, "/") + "/ui/issues"
}

// WebhookBody is the JSON webhook's body: {"type", "timestamp", "data"}.
func WebhookBody(m Message) ([]byte, error) {
	return json.Marshal(struct {
		Type      Type      `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      Data      `json:"data"`
	}{m.Type, m.CreatedAt.UTC(), m.Data})
}

// SlackBody is the Slack-compatible body ({"text": …}; Mattermost and Rocket.Chat take it too).
func SlackBody(m Message) ([]byte, error) {
	return json.Marshal(map[string]string{"text": SlackText(m)})
}

// SlackText is the message as a person reads it: what happened, the top causes, the calls.
func SlackText(m Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*aloware-kendo*: %s", m.Data.Summary)
	for _, c := range m.Data.Causes {
		fmt.Fprintf(&b, "\n• %s: %s", plural(c.Count, m.unit()), slackEscape(c.Cause))
	}
	if len(m.Data.CallLinks) > 0 {
		ids := make([]string, len(m.Data.CallLinks))
		for i, l := range m.Data.CallLinks {
			ids[i] = l.AlowareCallID
			if l.URL != "" {
				ids[i] = "<" + l.URL + "|" + l.AlowareCallID + ">"
			}
		}
		more := ""
		if n := m.Data.Calls - len(ids); n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		fmt.Fprintf(&b, "\nCalls: %s%s", strings.Join(ids, ", "), more)
	}
	if m.Data.OpsURL != "" {
		fmt.Fprintf(&b, "\n<%s|Open issues on the ops page>", m.Data.OpsURL)
	}
	return b.String()
}

// unit is what a cause's count counts.
func (m Message) unit() string {
	if m.Type.aboutCalls() {
		return "call"
	}
	return "event"
}

// summary is the first line: the headline, for which team.
func summary(t Type, team string, n int) string {
	s := t.headline(n)
	if team != "" {
		s += " (team " + team + ")"
	}
	return s
}

// slackEscape keeps a cause from being read as Slack markup (a link or a mention).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
