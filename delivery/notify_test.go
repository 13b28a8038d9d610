package delivery_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
	"github.com/aloware-kendo/aloware-kendo/notify"
)

// receiver is a real HTTP endpoint that keeps what it was sent; failFirst answers the
// first n requests 503, as a receiver that is down for a moment.
type receiver struct {
	srv       *httptest.Server
	mu        sync.Mutex
	requests  []received
	failFirst int
	seen      int
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	r := &receiver{failFirst: failFirst}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.seen++
		if r.seen <= r.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		r.requests = append(r.requests, received{header: req.Header.Clone(), body: body})
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.requests...)
}

// verifyStandardWebhook is the receiver's side of the Standard Webhooks spec, written
// from the spec and not from package notify: HMAC-SHA256 over "id.timestamp.body" with
// the base64 key after "whsec_", compared with each "v1," signature of the header.
func verifyStandardWebhook(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || h.Get("webhook-id") == "" || h.Get("webhook-timestamp") == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		if v, s, _ := strings.Cut(sig, ","); v == "v1" && hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

// Calls Kendo refuses fail; people hear of it once per type and team and interval, on a
// Slack-compatible webhook and on a signed JSON webhook that was down at first (the
// message is retried under the same webhook-id), with the top cause, links to the ops
// page, and no phone number.
func TestFailedCallsAreToldGroupedSignedAndRetried(t *testing.T) {
	for name, db := range databases() {
		t.Run(name, func(t *testing.T) {
			k := newKendo(t, kendo.Rate{Limit: 1000, Period: time.Second})
			k.SetFault(func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"message":"repEmail is not a member of team sales (caller +1 415 555 0134)"}`)
				return true
			})
			slack, hook := newReceiver(t, 0), newReceiver(t, 1)
			secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("notify test secret, 32 bytes...."))
			svc := startEngine(t, db(t), k.URL(), engineOpts{
				notify:         notify.Targets{SlackURL: slack.srv.URL, WebhookURL: hook.srv.URL, Secret: secret},
				notifyInterval: 2 * time.Second, publicURL: "https://sync.example.com",
			})
			calls := pushBacklog(t, svc, "inbound-940870001", "940870001", 5000, 12, "default")
			for _, c := range calls {
				waitStatus(t, svc, c.id, lifecycle.Failed, 30*time.Second)
			}

			told := func(rs []received) (n int) {
				for _, r := range rs {
					var body struct {
						Type string `json:"type"`
						Data struct {
							Calls int `json:"calls"`
						} `json:"data"`
					}
					if json.Unmarshal(r.body, &body) == nil && body.Type == string(notify.CallsFailed) {
						n += body.Data.Calls
					}
				}
				return n
			}
			waitFor(t, 30*time.Second, "every failed call told on the signed webhook", func() bool { return told(hook.got()) == len(calls) })
			waitFor(t, 30*time.Second, "a Slack message for the failed calls", func() bool { return len(slack.got()) > 0 })

			ids := map[string]bool{}
			for _, r := range hook.got() {
				if !verifyStandardWebhook(secret, r.header, r.body) {
					t.Errorf("signature does not verify: %v %s", r.header, r.body)
				}
				if ids[r.header.Get("webhook-id")] {
					t.Errorf("webhook-id %s delivered twice", r.header.Get("webhook-id"))
				}
				ids[r.header.Get("webhook-id")] = true
				var body struct {
					Type      string      `json:"type"`
					Timestamp time.Time   `json:"timestamp"`
					Data      notify.Data `json:"data"`
				}
				if err := json.Unmarshal(r.body, &body); err != nil || body.Timestamp.IsZero() {
					t.Fatalf("body %s: %v", r.body, err)
				}
				if len(body.Data.Causes) == 0 || !strings.Contains(body.Data.Causes[0].Cause, "repEmail is not a member of team sales") {
					t.Errorf("top cause %+v", body.Data.Causes)
				}
				if l := body.Data.CallLinks[0]; l.URL != "https://sync.example.com/ui/calls/"+l.AlowareCallID {
					t.Errorf("link %+v", l)
				}
			}
			var all strings.Builder
			for _, r := range append(hook.got(), slack.got()...) {
				all.Write(r.body)
			}
			if strings.Contains(all.String(), "555") || strings.Contains(all.String(), "recording") {
				t.Errorf("a phone number or recording reached a notification: %s", all.String())
			}
			if text := string(slack.got()[0].body); !strings.Contains(text, `"text":"*aloware-kendo*: `) || !strings.Contains(text, "failed (team default)") {
				t.Errorf("Slack body %s", text)
			}
		})
	}
}

// The other raise points: a call no team takes (calls.unrouted), an event that cannot be
// used (quarantine.growing), a key Kendo refuses and then accepts again (key.paused,
// key.resumed). Each reaches the receiver as a message of its own type.
func TestUnroutedQuarantinedAndPausedKeyAreTold(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 100, Period: time.Second})
	var refuse atomic.Bool
	refuse.Store(true)
	k.SetFault(func(_ int64, w http.ResponseWriter, _ *http.Request) bool {
		if !refuse.Load() {
			return false
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid API key"}`)
		return true
	})
	hook := newReceiver(t, 0)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another notify test secret"))
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{
		teams: loadTeams(t, "two-teams.yaml"), probeEvery: time.Second,
		notify: notify.Targets{WebhookURL: hook.srv.URL, Secret: secret}, notifyInterval: time.Second,
	})
	for _, raw := range recorded(t, "inbound-940870001") { // campaign 64010, ring group 29109: team support
		accept(t, svc, raw)
	}
	for _, raw := range recorded(t, "inbound-940870001") { // a line and ring group no team lists
		accept(t, svc, withID(withID(withID(raw, "940870001", "940870777"), "64010", "64999"), "29109", "29999"))
	}
	accept(t, svc, []byte(`{"event":"InboundPhoneCall","body":{"type":1,"direction":1,"talk_time":3}}`))

	types := func() map[string]notify.Data {
		out := map[string]notify.Data{}
		for _, r := range hook.got() {
			var body struct {
				Type string      `json:"type"`
				Data notify.Data `json:"data"`
			}
			if json.Unmarshal(r.body, &body) == nil && verifyStandardWebhook(secret, r.header, r.body) {
				out[body.Type] = body.Data
			}
		}
		return out
	}
	waitFor(t, 30*time.Second, "key.paused told", func() bool { _, ok := types()[string(notify.KeyPaused)]; return ok })
	refuse.Store(false)
	waitFor(t, 30*time.Second, "unrouted, quarantine and resumed told", func() bool {
		got := types()
		return got[string(notify.CallsUnrouted)].Calls == 1 && got[string(notify.QuarantineGrowing)].Count == 1 &&
			got[string(notify.KeyResumed)].Count == 1
	})
	got := types()
	if d := got[string(notify.CallsUnrouted)]; d.CallLinks[0].AlowareCallID != "940870777" || !strings.Contains(d.Causes[0].Cause, "campaign 64999") {
		t.Errorf("unrouted %+v", d)
	}
	if d := got[string(notify.KeyPaused)]; d.Team != "support" || !strings.Contains(d.Causes[0].Cause, "HTTP 401") {
		t.Errorf("paused %+v", d)
	}
	waitStatus(t, svc, "940870001", lifecycle.Delivered, 30*time.Second)
}
