package inbound_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/inbound"
)

const (
	token = "tok-3f9a"
	basic = "aloware:pa:ss" // a colon inside the password is legal
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestNew(t *testing.T) {
	for _, bad := range []string{"nocolon", ":pass", "user:"} {
		if _, err := inbound.New(inbound.Config{Basic: bad}); err == nil {
			t.Errorf("Basic %q: no error", bad)
		} else if strings.Contains(err.Error(), bad) {
			// errors describe the shape; they never quote the secret
			t.Errorf("error %q repeats the configured secret", err)
		}
	}
	a, err := inbound.New(inbound.Config{})
	if err != nil || a.Enabled() {
		t.Fatalf("empty config: %v, enabled=%v", err, a.Enabled())
	}
	var nilAuth *inbound.Authenticator
	if nilAuth.Enabled() || !nilAuth.Allow(httptest.NewRequest("GET", "/", nil)) {
		t.Fatal("a nil Authenticator must allow everything")
	}
}

func TestAllow(t *testing.T) {
	bearerOnly := must(t, inbound.Config{Token: token})
	basicOnly := must(t, inbound.Config{Basic: basic})
	both := must(t, inbound.Config{Token: token, Basic: basic})
	none := must(t, inbound.Config{})
	tests := []struct {
		name   string
		a      *inbound.Authenticator
		header string // "" sends no Authorization header
		want   bool
	}{
		{"bearer right", bearerOnly, "Bearer " + token, true},
		{"bearer lowercase scheme", bearerOnly, "bearer " + token, true},
		{"bearer extra spaces", bearerOnly, "Bearer   " + token + " ", true},
		{"bearer wrong", bearerOnly, "Bearer nope", false},
		{"bearer prefix of token", bearerOnly, "Bearer " + token[:4], false},
		{"bearer token longer", bearerOnly, "Bearer " + token + "x", false},
		{"bearer missing", bearerOnly, "", false},
		{"bearer scheme only", bearerOnly, "Bearer", false},
		{"bearer empty token", bearerOnly, "Bearer ", false},
		{"bearer token without scheme", bearerOnly, token, false},
		{"bearer sent as basic", bearerOnly, "Basic " + b64(token), false},
		{"basic right", basicOnly, "Basic " + b64(basic), true},
		{"basic uppercase scheme", basicOnly, "BASIC " + b64(basic), true},
		{"basic lowercase scheme", basicOnly, "basic " + b64(basic), true},
		{"basic wrong password", basicOnly, "Basic " + b64("aloware:pa:sx"), false},
		{"basic wrong user", basicOnly, "Basic " + b64("other:pa:ss"), false},
		{"basic not base64", basicOnly, "Basic !!!" + basic, false},
		{"basic raw, not encoded", basicOnly, "Basic " + basic, false},
		{"basic missing", basicOnly, "", false},
		{"basic sent as bearer", basicOnly, "Bearer " + basic, false},
		{"unknown scheme", basicOnly, "Digest " + b64(basic), false},
		{"both: bearer", both, "Bearer " + token, true},
		{"both: basic", both, "Basic " + b64(basic), true},
		{"both: wrong", both, "Bearer " + b64(basic), false},
		{"both: missing", both, "", false},
		{"none: missing", none, "", true},
		{"none: garbage", none, "Bearer whatever", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/push", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if got := tt.a.Allow(r); got != tt.want {
				t.Fatalf("Allow = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	open := func(p string) bool { return p == "/healthz" || p == "/readyz" || p == "/docs" }
	tests := []struct {
		name       string
		cfg        inbound.Config
		path       string
		header     string
		wantStatus int
		wantChall  []string
	}{
		{"allowed", inbound.Config{Token: token}, "/push", "Bearer " + token, 200, nil},
		{"rejected bearer", inbound.Config{Token: token}, "/push", "Bearer secret-guess", 401,
			[]string{`Bearer realm="aloware-kendo"`}},
		{"rejected basic", inbound.Config{Basic: basic}, "/map", "Basic " + b64("x:secret-guess"), 401,
			[]string{`Basic realm="aloware-kendo"`}},
		{"both schemes challenged", inbound.Config{Token: token, Basic: basic}, "/calls/1", "", 401,
			[]string{`Bearer realm="aloware-kendo"`, `Basic realm="aloware-kendo"`}},
		{"open path without credentials", inbound.Config{Token: token}, "/healthz", "", 200, nil},
		{"open path with wrong credentials", inbound.Config{Token: token}, "/docs", "Bearer secret-guess", 200, nil},
		{"no config, no credentials", inbound.Config{}, "/push", "", 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := must(t, tt.cfg)
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
			r := httptest.NewRequest(http.MethodPost, tt.path, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			w := httptest.NewRecorder()
			a.Middleware(next, open).ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, tt.wantChall) {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.wantChall)
			}
			if tt.wantStatus != http.StatusUnauthorized {
				if w.Body.String() != "ok" {
					t.Errorf("next not called, body %q", w.Body)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var problem map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &problem); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"type": "about:blank", "title": "Unauthorized", "status": 401.0, "detail": "missing or invalid credentials"}
			if len(problem) != len(want) {
				t.Errorf("problem %v, want %v", problem, want)
			}
			for k, v := range want {
				if problem[k] != v {
					t.Errorf("problem[%s] = %v, want %v", k, problem[k], v)
				}
			}
			if strings.Contains(w.Body.String()+strings.Join(w.Header().Values("WWW-Authenticate"), ""), "secret-guess") ||
				strings.Contains(w.Body.String(), b64("x:secret-guess")) {
				t.Error("the presented credential was echoed")
			}
		})
	}
}

func TestMiddlewareNilOpen(t *testing.T) {
	a := must(t, inbound.Config{Token: token})
	w := httptest.NewRecorder()
	a.Middleware(http.NotFoundHandler(), nil).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d: without an open func every path is protected", w.Code)
	}
}

func must(t *testing.T, cfg inbound.Config) *inbound.Authenticator {
	t.Helper()
	a, err := inbound.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
