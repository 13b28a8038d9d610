package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// The secrets of these tests; none may appear in check's output.
const (
	checkSalesKey    = "pk_check_sales_secret"
	checkSupportKey  = "pk_check_support_secret"
	checkAlowareTok  = "alw_check_s3cret"
	checkInboundTok  = "tok_check_s3cret"
	checkWebhookSecr = "whsec_check_s3cret"
)

// alowareUsers is a stand-in for Aloware's Users API over real HTTP.
func alowareUsers(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/webhook/users" || r.URL.Query().Get("api_token") != checkAlowareTok {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"Unauthenticated."}`))
			return
		}
		json.NewEncoder(w).Encode([]map[string]any{{"id": 120776, "name": "Sam Carter", "email": "sam@example.com"}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// lines splits check's stdout into "PASS name" / "FAIL name" verdicts, in order.
func verdicts(out string) []string {
	var v []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, _, _ := strings.Cut(line, ":")
		v = append(v, name)
	}
	return v
}

func TestCheckCommand(t *testing.T) {
	kendoSrv := httptest.NewServer(emulator.New(emulator.Options{Keys: []string{checkSalesKey}}))
	defer kendoSrv.Close()
	aloware := alowareUsers(t)
	teamsFile := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(teamsFile, []byte(`
teams:
  - name: sales
    apiKeyEnv: KENDO_KEY_SALES
    match: {campaignIds: [81422]}
  - name: support
    apiKeyEnv: KENDO_KEY_SUPPORT
    match: {ringGroupIds: [4410]}
default: sales
`), 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sqlite:" + filepath.Join(t.TempDir(), "check.db")
	common := []string{"check", "--db", db, "--kendo-url", kendoSrv.URL + emulator.IngestPath, "--aloware-api-url", aloware}

	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want []string
	}{
		{"everything passes", map[string]string{"KENDO_API_KEY": checkSalesKey, "ALOWARE_KENDO_ALOWARE_API_TOKEN": checkAlowareTok},
			[]string{"--listen", ":0", "--inbound-token", checkInboundTok, "--kendo-webhook-secret", checkWebhookSecr}, 0,
			[]string{"PASS database", "PASS kendo key default", "PASS aloware token", "PASS inbound auth", "PASS teams file", "PASS send rules"}},
		{"one line per team; what fails fails", map[string]string{"KENDO_KEY_SALES": checkSalesKey, "KENDO_KEY_SUPPORT": checkSupportKey},
			[]string{"--teams", teamsFile, "--listen", "0.0.0.0:0", "--aloware-api-token", "alw_wrong_s3cret"}, 1,
			[]string{"PASS database", "PASS kendo key sales", "FAIL kendo key support", "FAIL aloware token", "FAIL inbound auth", "PASS teams file", "PASS send rules"}},
		{"no key at all", nil, []string{"--listen", "127.0.0.1:0"}, 1,
			[]string{"PASS database", "FAIL kendo key default", "PASS aloware token", "PASS inbound auth", "PASS teams file", "PASS send rules"}},
		{"a configuration that does not parse", map[string]string{"KENDO_KEY_SALES": checkSalesKey}, []string{"--teams", teamsFile, "--settle", "-1s"}, 1,
			[]string{"FAIL configuration", "FAIL configuration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := runCmd(t, "", append(append([]string{}, common...), tt.args...)...)
			if r.code != tt.code || strings.Join(verdicts(r.stdout), ", ") != strings.Join(tt.want, ", ") {
				t.Fatalf("exit %d, want %d; got\n%s\nwant %v; stderr %s", r.code, tt.code, r.stdout, tt.want, r.stderr)
			}
			for _, secret := range []string{checkSalesKey, checkSupportKey, checkAlowareTok, "alw_wrong_s3cret", checkInboundTok, checkWebhookSecr} {
				if strings.Contains(r.stdout+r.stderr, secret) {
					t.Errorf("output shows %s:\n%s", secret, r.stdout)
				}
			}
		})
	}
}

func TestCheckCommandUsage(t *testing.T) {
	cleanEnv(t)
	if r := runCmd(t, "", "check", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--teams") || !strings.Contains(r.stdout, "exit 0 only") {
		t.Errorf("--help: %d %q", r.code, r.stdout)
	}
	if r := runCmd(t, "", "check", "--no-such-flag"); r.code != 2 {
		t.Errorf("unknown flag: %d", r.code)
	}
	if r := runCmd(t, "", "help"); !strings.Contains(r.stdout, "aloware-kendo check") {
		t.Errorf("help lacks check: %s", r.stdout)
	}
}
