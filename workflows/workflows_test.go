// Package workflows holds the no-code workflow files (n8n, Make, Zapier recipe) that forward
// Aloware webhooks to the service's POST /push. The files are data; this test pins the rules
// n8n's own node descriptions cannot check (scripts/check-workflows.sh does that part) and
// scripts/e2e-n8n.sh runs the n8n workflows in a real n8n.
package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// typeVersions are the node versions the workflows ship: present in n8n 2.8.x and in current n8n.
// A newer version does not load on an older n8n, so raising one is a deliberate choice.
var typeVersions = map[string]float64{
	"n8n-nodes-base.webhook":          2,
	"n8n-nodes-base.httpRequest":      4.2,
	"n8n-nodes-base.if":               2.2,
	"n8n-nodes-base.respondToWebhook": 1.1,
	"n8n-nodes-base.stickyNote":       1,
	"n8n-nodes-base.code":             2,
}

// alertsWorkflow receives the service's signed notifications; the others forward Aloware.
const alertsWorkflow = "n8n/aloware-kendo-alerts.json"

// alowareWaits is how long Aloware was seen to wait for an answer; it never retries.
const alowareWaits = 110 * time.Second

type n8nNode struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Type             string         `json:"type"`
	TypeVersion      float64        `json:"typeVersion"`
	WebhookID        string         `json:"webhookId"`
	Notes            string         `json:"notes"`
	NotesInFlow      bool           `json:"notesInFlow"`
	RetryOnFail      bool           `json:"retryOnFail"`
	MaxTries         *int           `json:"maxTries"`
	WaitBetweenTries *int           `json:"waitBetweenTries"`
	OnError          string         `json:"onError"`
	Parameters       map[string]any `json:"parameters"`
}

type n8nWorkflow struct {
	ID          string                                   `json:"id"`
	Name        string                                   `json:"name"`
	Active      *bool                                    `json:"active"`
	Nodes       []n8nNode                                `json:"nodes"`
	Connections map[string]map[string][][]map[string]any `json:"connections"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// get walks nested maps: get(m, "options", "timeout").
func get(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func TestN8nWorkflows(t *testing.T) {
	files, _ := filepath.Glob("n8n/*.json")
	files = slices.DeleteFunc(files, func(f string) bool { return f == alertsWorkflow })
	if len(files) != 2 {
		t.Fatalf("want the plain and the wait workflow under n8n/, got %v", files)
	}
	ids, paths := map[string]string{}, map[string]string{}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var wf n8nWorkflow
			readJSON(t, file, &wf)
			// The CLI import upserts by id; execute treats ids over 21 characters as invalid.
			if wf.ID == "" || len(wf.ID) > 21 {
				t.Errorf("id %q: want 1..21 characters", wf.ID)
			}
			if other, dup := ids[wf.ID]; dup {
				t.Errorf("id %q also used by %s", wf.ID, other)
			}
			ids[wf.ID] = file
			if wf.Active == nil || *wf.Active {
				t.Error(`want "active": false (the user publishes after editing the URL)`)
			}
			if wf.Name == "" || len(wf.Name) > 128 {
				t.Errorf("name %q: want 1..128 characters", wf.Name)
			}
			byName := map[string]n8nNode{}
			for _, n := range wf.Nodes {
				if _, dup := byName[n.Name]; dup {
					t.Errorf("node name %q twice", n.Name)
				}
				byName[n.Name] = n
				if want, ok := typeVersions[n.Type]; !ok || n.TypeVersion != want {
					t.Errorf("%s: %s@%v, want one of the pinned versions %v", n.Name, n.Type, n.TypeVersion, typeVersions)
				}
				for _, k := range []string{"retryOnFail", "maxTries", "waitBetweenTries"} {
					if get(n.Parameters, k) != nil || get(n.Parameters, "options", k) != nil {
						t.Errorf("%s: %s belongs beside parameters, not inside them", n.Name, k)
					}
				}
			}
			var hooks, https []n8nNode
			for _, n := range wf.Nodes {
				switch n.Type {
				case "n8n-nodes-base.webhook":
					hooks = append(hooks, n)
				case "n8n-nodes-base.httpRequest":
					https = append(https, n)
				}
			}
			if len(hooks) != 1 || len(https) != 1 {
				t.Fatalf("want one Webhook and one HTTP Request node, got %d and %d", len(hooks), len(https))
			}
			hook, http := hooks[0], https[0]
			if get(hook.Parameters, "httpMethod") != "POST" {
				t.Error("webhook: httpMethod must be POST (n8n's default is GET)")
			}
			// Only the Respond nodes may answer: a 2xx must mean the service stored the event.
			if get(hook.Parameters, "responseMode") != "responseNode" {
				t.Errorf("webhook: responseMode %v, want responseNode", get(hook.Parameters, "responseMode"))
			}
			if hook.WebhookID == "" {
				t.Error("webhook: no webhookId")
			}
			path, _ := get(hook.Parameters, "path").(string)
			if other, dup := paths[path]; dup || path == "" {
				t.Errorf("webhook path %q empty or also used by %s", path, other)
			}
			paths[path] = file

			url, _ := get(http.Parameters, "url").(string)
			if !strings.HasSuffix(url, "/push") {
				t.Errorf("HTTP node url %q: want the service's /push (query parameters go in sendQuery)", url)
			}
			if get(http.Parameters, "jsonBody") != "={{ JSON.stringify($json.body) }}" {
				t.Errorf("HTTP node jsonBody %v: want Aloware's body forwarded unchanged", get(http.Parameters, "jsonBody"))
			}
			auth := false
			headers, _ := get(http.Parameters, "headerParameters", "parameters").([]any)
			for _, h := range headers {
				if hm, _ := h.(map[string]any); hm["name"] == "Authorization" && strings.HasPrefix(hm["value"].(string), "Bearer ") {
					auth = true
				}
			}
			if get(http.Parameters, "sendHeaders") != true || !auth {
				t.Error("HTTP node: want the Authorization: Bearer header the user fills in")
			}
			if !http.NotesInFlow || !strings.Contains(http.Notes, "EDIT HERE") {
				t.Error("HTTP node: its notes (shown in the flow) must say what to edit")
			}
			if !http.RetryOnFail || http.MaxTries == nil || *http.MaxTries < 2 || *http.MaxTries > 5 ||
				http.WaitBetweenTries == nil || *http.WaitBetweenTries < 0 || *http.WaitBetweenTries > 5000 {
				t.Error("HTTP node: want retryOnFail with maxTries 2..5 and waitBetweenTries 0..5000 ms (n8n clamps to these)")
			}
			if http.OnError != "continueErrorOutput" {
				t.Error("HTTP node: want onError continueErrorOutput, so a failure is answered (not a bare n8n 500)")
			}
			timeout, _ := get(http.Parameters, "options", "timeout").(float64)
			if timeout == 0 {
				t.Fatal("HTTP node: set options.timeout")
			}
			tries := *http.MaxTries
			worst := time.Duration(tries)*time.Duration(timeout)*time.Millisecond +
				time.Duration(tries-1)*time.Duration(*http.WaitBetweenTries)*time.Millisecond
			if worst >= alowareWaits {
				t.Errorf("HTTP node: worst case %v of tries, Aloware was seen waiting %v", worst, alowareWaits)
			}
			if wait := queryParam(http, "wait"); wait != "" {
				d, err := time.ParseDuration(wait)
				if err != nil || time.Duration(timeout)*time.Millisecond <= d {
					t.Errorf("HTTP node: timeout %v ms must exceed ?wait=%s", timeout, wait)
				}
				if get(http.Parameters, "options", "response", "response", "neverError") != true {
					t.Error("wait workflow: want neverError so every status reaches the IF nodes")
				}
			}

			// Every path ends in a Respond node, and both HTTP outputs are wired.
			for _, n := range wf.Nodes {
				if n.Type == "n8n-nodes-base.stickyNote" {
					continue
				}
				outs := wf.Connections[n.Name]["main"]
				for _, out := range outs {
					for _, e := range out {
						if _, ok := byName[e["node"].(string)]; !ok {
							t.Errorf("%s connects to unknown node %v", n.Name, e["node"])
						}
					}
				}
				switch {
				case n.Type == "n8n-nodes-base.respondToWebhook":
				case n.Type == "n8n-nodes-base.httpRequest" || n.Type == "n8n-nodes-base.if":
					if len(outs) != 2 || len(outs[0]) == 0 || len(outs[1]) == 0 {
						t.Errorf("%s: wire both outputs", n.Name)
					}
				case len(outs) == 0 || len(outs[0]) == 0:
					t.Errorf("%s: a path that ends without a Respond node leaves Aloware without an answer", n.Name)
				}
			}
		})
	}
}

func queryParam(n n8nNode, name string) string {
	if get(n.Parameters, "sendQuery") != true {
		return ""
	}
	ps, _ := get(n.Parameters, "queryParameters", "parameters").([]any)
	for _, p := range ps {
		if pm, _ := p.(map[string]any); pm["name"] == name {
			s, _ := pm["value"].(string)
			return s
		}
	}
	return ""
}

func TestMakeBlueprint(t *testing.T) {
	var bp struct {
		Flow []struct {
			ID         int            `json:"id"`
			Module     string         `json:"module"`
			Parameters map[string]any `json:"parameters"`
			Mapper     map[string]any `json:"mapper"`
		} `json:"flow"`
		Metadata struct {
			Version int  `json:"version"`
			Instant bool `json:"instant"`
		} `json:"metadata"`
	}
	readJSON(t, "make/aloware-to-kendo.blueprint.json", &bp)
	if bp.Metadata.Version != 1 || !bp.Metadata.Instant {
		t.Errorf("metadata: version %d instant %v, want 1 and true", bp.Metadata.Version, bp.Metadata.Instant)
	}
	modules := map[string]int{}
	for _, m := range bp.Flow {
		modules[m.Module]++
		switch m.Module {
		case "gateway:CustomWebHook":
			if v, ok := m.Parameters["hook"]; !ok || v != nil {
				t.Error(`webhook: ship "hook": null`)
			}
		case "http:ActionSendData":
			if url, _ := m.Mapper["url"].(string); !strings.HasSuffix(url, "/push") {
				t.Errorf("HTTP module url %q: want the service's /push", url)
			}
			if m.Mapper["contentType"] != "application/json" || m.Mapper["bodyType"] != "raw" {
				t.Error("HTTP module: want a raw application/json body")
			}
		}
	}
	for _, want := range []string{"gateway:CustomWebHook", "http:ActionSendData", "gateway:WebhookRespond"} {
		if modules[want] != 1 {
			t.Errorf("want one %s module in the main flow, got %d", want, modules[want])
		}
	}
}

// TestWaitWorkflowOutcomes pins the wait workflow's answers, which README's table documents:
// one Respond node per outcome, each but "unreachable" answering with the service's own
// status, so a stored event (quarantined included: the service answers it 202) is a 2xx
// for Aloware and only what the service refused is not.
func TestWaitWorkflowOutcomes(t *testing.T) {
	var wf n8nWorkflow
	readJSON(t, "n8n/aloware-to-kendo-wait.json", &wf)
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, n := range wf.Nodes {
		if n.Type != "n8n-nodes-base.respondToWebhook" {
			continue
		}
		entries, _ := get(n.Parameters, "options", "responseHeaders", "entries").([]any)
		for _, e := range entries {
			if em, _ := e.(map[string]any); em["name"] == "X-Aloware-Kendo-Outcome" {
				outcome, _ := em["value"].(string)
				if other, dup := got[outcome]; dup {
					t.Errorf("outcome %q answered by %s and %s", outcome, other, n.Name)
				}
				got[outcome] = n.Name
				code := get(n.Parameters, "options", "responseCode")
				if outcome != "unreachable" && code != "={{ $json.statusCode }}" {
					t.Errorf("%s (%s): responseCode %v, want the service's own status", n.Name, outcome, code)
				}
			}
		}
	}
	for _, outcome := range []string{"delivered", "stored", "quarantined", "refused", "unreachable"} {
		if _, ok := got[outcome]; !ok {
			t.Errorf("no Respond node answers with X-Aloware-Kendo-Outcome %q", outcome)
		}
		if !strings.Contains(string(readme), "/ `"+outcome+"` |") {
			t.Errorf("README.md's table of the wait workflow's outcomes does not list %q", outcome)
		}
		delete(got, outcome)
	}
	for outcome, node := range got {
		t.Errorf("%s answers with an undocumented outcome %q", node, outcome)
	}
}

// TestN8nAlertsWorkflow pins what makes the alerts workflow safe: it answers only through
// its Respond nodes (a 2xx means forwarded, so the service retries anything else), it reads
// the raw body (the signature covers the exact bytes), it checks a v1 HMAC-SHA256 signature
// and the timestamp, and a bad signature is answered 401 without forwarding.
// scripts/e2e-n8n.sh runs it in a real n8n against the real service.
func TestN8nAlertsWorkflow(t *testing.T) {
	var wf n8nWorkflow
	readJSON(t, alertsWorkflow, &wf)
	if wf.ID != "AlowareKendoAlerts" || wf.Active == nil || *wf.Active {
		t.Errorf("id %q active %v: want AlowareKendoAlerts, inactive until the user publishes", wf.ID, wf.Active)
	}
	byType := map[string][]n8nNode{}
	for _, n := range wf.Nodes {
		if want, ok := typeVersions[n.Type]; !ok || n.TypeVersion != want {
			t.Errorf("%s: %s@%v, want one of the pinned versions %v", n.Name, n.Type, n.TypeVersion, typeVersions)
		}
		byType[n.Type] = append(byType[n.Type], n)
	}
	hook, code := byType["n8n-nodes-base.webhook"], byType["n8n-nodes-base.code"]
	if len(hook) != 1 || len(code) != 1 || len(byType["n8n-nodes-base.httpRequest"]) != 1 {
		t.Fatalf("want one Webhook, one Code and one HTTP Request node: %v", byType)
	}
	if get(hook[0].Parameters, "httpMethod") != "POST" || get(hook[0].Parameters, "responseMode") != "responseNode" ||
		get(hook[0].Parameters, "options", "rawBody") != true {
		t.Errorf("webhook: want POST, responseNode and the raw body: %v", hook[0].Parameters)
	}
	js, _ := get(code[0].Parameters, "jsCode").(string)
	for _, want := range []string{"whsec_REPLACE-WITH-NOTIFY-SECRET", "webhook-signature", "webhook-timestamp", "webhook-id", "v1", "TOLERANCE_SECONDS = 300"} {
		if !strings.Contains(js, want) {
			t.Errorf("Verify signature: the code lacks %q", want)
		}
	}
	codes := map[float64]bool{}
	for _, n := range byType["n8n-nodes-base.respondToWebhook"] {
		c, _ := get(n.Parameters, "options", "responseCode").(float64)
		codes[c] = true
	}
	if !codes[204] || !codes[401] || !codes[502] {
		t.Errorf("respond codes %v: want 204 forwarded, 401 bad signature, 502 not forwarded", codes)
	}
	if next := wf.Connections["Signature valid?"]["main"]; len(next) != 2 || next[1][0]["node"] != "Respond: bad signature" {
		t.Errorf("a bad signature must go straight to its 401: %v", next)
	}
}
