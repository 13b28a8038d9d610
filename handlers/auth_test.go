package handlers_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/handlers"
	"github.com/aloware-kendo/aloware-kendo/inbound"
)

func TestInboundAuth(t *testing.T) {
	auth, err := inbound.New(inbound.Config{Token: "s3cret-token", Basic: "aloware:pa55"})
	if err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("aloware:pa55"))
	for _, metricsAuth := range []bool{false, true} {
		srv := newServer(t, handlers.Deps{Auth: auth, MetricsAuth: metricsAuth})
		protected := []struct{ method, path string }{
			{"POST", "/map"}, {"POST", "/validate"}, {"POST", "/push"},
			{"GET", "/calls/1"}, {"POST", "/calls/1/redeliver"}, {"GET", "/nope"},
			{"GET", "/calls"}, {"POST", "/calls/redeliver"}, {"POST", "/calls/1/skip"}, {"DELETE", "/calls/1"},
			{"GET", "/quarantine"}, {"POST", "/quarantine/replay"},
		}
		if metricsAuth {
			protected = append(protected, struct{ method, path string }{"GET", "/metrics"})
		}
		for _, r := range protected {
			for _, cred := range []string{"", "Bearer wrong", "Basic " + base64.StdEncoding.EncodeToString([]byte("aloware:wrong")), "s3cret-token"} {
				resp := do(t, r.method, srv.URL+r.path, []byte(`{"test_payload":true}`), "Authorization", cred)
				if resp.status != http.StatusUnauthorized {
					t.Errorf("metricsAuth=%v %s %s with %q: %d, want 401", metricsAuth, r.method, r.path, cred, resp.status)
					continue
				}
				if resp.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s: 401 without WWW-Authenticate", r.method, r.path)
				}
				resp.problem(t)
			}
		}
		// The right credentials get through (to whatever the route answers).
		for _, cred := range []string{"Bearer s3cret-token", basic} {
			resp := post(t, srv.URL+"/map", []byte(`{"test_payload":true}`), "Authorization", cred)
			if resp.status != http.StatusOK {
				t.Errorf("%q: /map %d", cred, resp.status)
			}
		}
		open := []string{"/healthz", "/readyz", "/docs", "/openapi.yaml", "/openapi.json", "/openapi-3.0.yaml"}
		if !metricsAuth {
			open = append(open, "/metrics")
		}
		for _, path := range open {
			if resp := get(t, srv.URL+path); resp.status == http.StatusUnauthorized {
				t.Errorf("metricsAuth=%v: open route %s asked for credentials", metricsAuth, path)
			}
		}
	}
}

func TestNoAuthConfiguredLeavesEverythingOpen(t *testing.T) {
	auth, _ := inbound.New(inbound.Config{})
	srv := newServer(t, handlers.Deps{Auth: auth, MetricsAuth: true})
	if resp := post(t, srv.URL+"/map", []byte(`{"test_payload":true}`)); resp.status != http.StatusOK {
		t.Errorf("/map: %d", resp.status)
	}
	if resp := get(t, srv.URL+"/metrics"); resp.status != http.StatusOK {
		t.Errorf("/metrics: %d", resp.status)
	}
}
