package handlers_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/inbound"
)

// doHost sends a request with the given Host header (a browser led to 127.0.0.1 by a
// rebound DNS name sends that name) and extra headers as pairs.
func doHost(t *testing.T, method, url, host string, body []byte, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// Without credentials, a page whose DNS name was rebound to 127.0.0.1 must not reach the
// service: only loopback names and addresses (and --allowed-hosts) are answered. The
// health routes stay reachable by any name, as container probes use the pod's address.
func TestHostIsCheckedWithoutCredentials(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	srv := newServer(t, handlers.Deps{Logger: quiet, AllowedHosts: []string{"ak.example.com", "*.internal.example", "10.0.0.0/8"},
		UI: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ops page")) })})
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	refused := []string{"evil.example", "rebind.attacker.test" + port, "127.0.0.1.evil.example", "localhost.evil.example" + port,
		"example.com", "ak.example.com.evil", "0.0.0.0" + port, "192.168.1.10" + port, "[::2]" + port, "internal.example"}
	for _, host := range refused {
		for _, r := range []struct{ method, path string }{{"GET", "/calls"}, {"GET", "/ui"}, {"POST", "/map"}, {"GET", "/metrics"}, {"GET", "/docs"}} {
			resp := doHost(t, r.method, srv.URL+r.path, host, []byte(`{"test_payload":true}`))
			if resp.status != http.StatusMisdirectedRequest {
				t.Errorf("Host %q: %s %s answered %d, want 421", host, r.method, r.path, resp.status)
				continue
			}
			resp.problem(t)
		}
	}
	allowed := []string{"localhost" + port, "LocalHost", "localhost.", "app.localhost" + port, "127.0.0.1" + port, "127.9.8.7",
		"[::1]" + port, "ak.example.com", "AK.example.com:443", "x.internal.example", "10.1.2.3:8080"}
	for _, host := range allowed {
		if resp := doHost(t, "POST", srv.URL+"/map", host, []byte(`{"test_payload":true}`)); resp.status != http.StatusOK {
			t.Errorf("Host %q: /map answered %d, want 200: %s", host, resp.status, clip(resp.body))
		}
		if resp := doHost(t, "GET", srv.URL+"/ui", host, nil); resp.status != http.StatusOK {
			t.Errorf("Host %q: /ui answered %d, want 200", host, resp.status)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp := doHost(t, "GET", srv.URL+path, "10.244.3.17:8080", nil); resp.status == http.StatusMisdirectedRequest {
			t.Errorf("a probe's Host refused on %s", path)
		}
		if resp := doHost(t, "GET", srv.URL+path, "evil.example", nil); resp.status == http.StatusMisdirectedRequest {
			t.Errorf("%s refused by Host: probes must reach it", path)
		}
	}
}

// With credentials, whoever holds them may use any name: a rebound page does not have them.
func TestHostIsFreeWithCredentials(t *testing.T) {
	auth, err := inbound.New(inbound.Config{Token: "s3cret-token"})
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, handlers.Deps{Auth: auth, Logger: slog.New(slog.DiscardHandler)})
	resp := doHost(t, "POST", srv.URL+"/map", "aloware-kendo.example.com", []byte(`{"test_payload":true}`), "Authorization", "Bearer s3cret-token")
	if resp.status != http.StatusOK {
		t.Errorf("with credentials, a public name answered %d: %s", resp.status, clip(resp.body))
	}
	if resp := doHost(t, "POST", srv.URL+"/map", "evil.example", []byte(`{"test_payload":true}`)); resp.status != http.StatusUnauthorized {
		t.Errorf("without them: %d, want 401", resp.status)
	}
}

// Every state-changing route refuses what a browser sends on behalf of another site (a
// form POST, a no-cors fetch): by its Sec-Fetch-Site, or else an Origin that is not the
// service's. Servers (Aloware, n8n, curl) send neither, and are let through.
func TestCrossOriginRequestsAreRefused(t *testing.T) {
	st := newStack(t, stackOptions{})
	quiet := slog.New(slog.DiscardHandler)
	srv := newServer(t, handlers.Deps{Intake: st.svc, Operator: st.svc, Logger: quiet})
	const id = "940868616"
	if resp := post(t, srv.URL+"/push", []byte(call(`"talk_time":60`))); resp.status != http.StatusAccepted {
		t.Fatalf("push: %d %s", resp.status, clip(resp.body))
	}
	form := "application/x-www-form-urlencoded"
	routes := []struct {
		method, path, contentType, body string
	}{
		{"POST", "/calls/" + id + "/skip", form, ""},
		{"POST", "/quarantine/replay", form, ""},
		{"POST", "/calls/redeliver", "text/plain", `{"status":["failed"]}`},
		{"POST", "/push", "text/plain", call(`"talk_time":61,"recording":"https://attacker.example/forged.mp3"`)},
		{"POST", "/map", "text/plain", `{"test_payload":true}`},
		{"DELETE", "/calls/" + id, "", ""},
	}
	crossSite := [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site", "Origin", "http://localhost:1"},
		{"Origin", "http://localhost:1"},
		{"Origin", "null"},
	}
	for _, r := range routes {
		for _, h := range crossSite {
			resp := doHost(t, r.method, srv.URL+r.path, "", []byte(r.body), append([]string{"Content-Type", r.contentType}, h...)...)
			if resp.status != http.StatusForbidden {
				t.Errorf("%s %s with %q: %d, want 403: %s", r.method, r.path, h, resp.status, clip(resp.body))
				continue
			}
			resp.problem(t)
		}
	}
	if rec := get(t, srv.URL+"/calls/"+id); !strings.Contains(string(rec.body), `"status":"received"`) && !strings.Contains(string(rec.body), `"status":"scheduled"`) {
		t.Fatalf("a refused request changed the call: %s", clip(rec.body))
	}
	// The same requests from a server, or from the service's own origin, go through.
	sameOrigin := [][]string{nil, {"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Site", "none"}, {"Origin", srv.URL}}
	for _, r := range routes {
		for _, h := range sameOrigin {
			resp := doHost(t, r.method, srv.URL+r.path, "", []byte(r.body), append([]string{"Content-Type", "application/json"}, h...)...)
			if resp.status == http.StatusForbidden || resp.status >= 500 {
				t.Errorf("%s %s with %q: %d: %s", r.method, r.path, h, resp.status, clip(resp.body))
			}
		}
	}
	if rec := get(t, srv.URL+"/calls/"+id); !strings.Contains(string(rec.body), `"status":"erased"`) {
		t.Errorf("the allowed DELETE did not erase the call: %s", clip(rec.body))
	}
}
