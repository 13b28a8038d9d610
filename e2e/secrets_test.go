package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/kendotest"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// A full lifecycle with debug logging leaves no API key, token, password, recording URL
// or phone number in the logs or the metrics — while the rep still gets attributed
// through the Users API, whose token travels in a query string. (The settle second gives
// the background Users API load time to land; an unreachable API would delay nothing.)
func TestNoSecretsInLogsOrMetrics(t *testing.T) {
	t.Parallel()
	const (
		kendoKey     = "pk_live_SECRETkendoKEY123"
		inboundToken = "inbound-SECRET-token-456"
		alowareToken = "aloware-SECRET-api-789"
		basicPass    = "basic-SECRET-pass"
	)
	users := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("api_token") != alowareToken {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[{"id":120990,"name":"Priya Shah","email":"priya.shah@example.com"}]`))
	}))
	t.Cleanup(users.Close)
	k := kendotest.New(t, kendo.Rate{Limit: 30, Period: time.Minute})
	p := serve(t, "--db", "sqlite:"+t.TempDir()+"/ak.db", "--kendo-url", k.URL(), "--kendo-api-key", kendoKey,
		"--settle", "1s", "--inbound-token", inboundToken, "--inbound-basic", "aloware:"+basicPass,
		"--aloware-api-url", users.URL, "--aloware-api-token", alowareToken, "--metrics-auth=false")

	events := lifecycle(t, "inbound-940870001")
	// The agent's e-mail is left out so the Users API has to supply it.
	var secretsInInput []string
	for i, raw := range events {
		raw = withoutKeys(t, raw, "user_email", "email")
		secretsInInput = append(secretsInInput, phoneNumbers(raw)...)
		secretsInInput = append(secretsInInput, recordingURLs(raw)...)
		auth := "Bearer " + inboundToken
		if i%2 == 1 {
			auth = "Basic " + base64.StdEncoding.EncodeToString([]byte("aloware:"+basicPass))
		}
		req, _ := http.NewRequest(http.MethodPost, p.base+"/push", bytes.NewReader(raw))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 202 {
			t.Fatalf("push %d: %d %s", i, resp.StatusCode, body)
		}
	}
	if len(secretsInInput) < 3 {
		t.Fatalf("the fixture should carry phone numbers and a recording URL, found %v", secretsInInput)
	}
	waitFor(t, 30*time.Second, "delivery", func() bool {
		req, _ := http.NewRequest(http.MethodGet, p.base+"/calls/940870001", nil)
		req.Header.Set("Authorization", "Bearer "+inboundToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var rec struct{ Status string }
		json.NewDecoder(resp.Body).Decode(&rec)
		return rec.Status == "delivered"
	})
	if got := k.Payloads(t); len(got) != 1 || got[0].RepEmail != "priya.shah@example.com" {
		t.Fatalf("the rep was not attributed through the Users API: %+v", got)
	}

	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "aloware_kendo_deliveries_total") {
		t.Fatalf("/metrics lacks the delivery series:\n%s", metrics)
	}
	p.kill()
	logs := p.logs.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) {
		t.Fatal("the service did not log at debug level; the test would prove nothing")
	}
	secrets := append([]string{kendoKey, inboundToken, alowareToken, basicPass,
		base64.StdEncoding.EncodeToString([]byte("aloware:" + basicPass))}, secretsInInput...)
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
		if strings.Contains(string(metrics), s) {
			t.Errorf("metrics contain %q", s)
		}
	}
	if t.Failed() {
		os.WriteFile(filepath.Join(t.TempDir(), "logs"), []byte(logs), 0o600)
	}
}

// withoutKeys removes the named keys wherever they occur in a JSON document.
func withoutKeys(t *testing.T, raw []byte, keys ...string) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var strip func(v any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range keys {
				delete(v, k)
			}
			for _, child := range v {
				strip(child)
			}
		case []any:
			for _, child := range v {
				strip(child)
			}
		}
	}
	strip(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	phoneRE     = regexp.MustCompile(`\+1\d{10}`)
	recordingRE = regexp.MustCompile(`https://[^"]*/recording/[^"]*`)
)

func phoneNumbers(raw []byte) []string  { return uniq(phoneRE.FindAllString(string(raw), -1)) }
func recordingURLs(raw []byte) []string { return uniq(recordingRE.FindAllString(string(raw), -1)) }

func uniq(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
