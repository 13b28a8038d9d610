package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// serve wires --kendo-webhook-secret to POST /kendo/webhook, open to Kendo while the
// other routes need the inbound token, and a team's webhookSecretEnv verifies too.
func TestServeTakesKendosWebhook(t *testing.T) {
	cleanEnv(t)
	teamsFile := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(teamsFile, []byte("teams: [{name: sales, apiKeyEnv: KENDO_KEY_SALES, webhookSecretEnv: KENDO_WEBHOOK_SECRET_SALES}]\ndefault: sales\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KENDO_KEY_SALES", "pk_serve_webhook_sales")
	t.Setenv("KENDO_WEBHOOK_SECRET_SALES", "whsec_serve_team_secret")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log testenv.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(t.TempDir(), "w.db"),
			"--inbound-token", "tok_serve_webhook", "--kendo-webhook-secret", "whsec_serve_global_secret", "--teams", teamsFile,
			"--kendo-timeout", "2s", "--shutdown-timeout", "7s"}, strings.NewReader(""), io.Discard, &log)
	}()
	base := "http://" + waitForLog(t, &log, regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`))

	body, _ := os.ReadFile(filepath.Join(root, "testdata/kendo-webhook/test.json"))
	for _, tc := range []struct {
		secret string
		status int
	}{{"whsec_serve_global_secret", 200}, {"whsec_serve_team_secret", 200}, {"whsec_wrong", 401}} {
		req, _ := http.NewRequest(http.MethodPost, base+"/kendo/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(kendo.EventHeader, "test")
		req.Header.Set(kendo.SignatureHeader, kendo.Sign([]byte(tc.secret), body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.status == 200 && !strings.Contains(string(answer), `"result":"test"`)) {
			t.Errorf("signed with %s: %d %s", tc.secret, resp.StatusCode, answer)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, secret := range []string{"whsec_serve_global_secret", "whsec_serve_team_secret", "pk_serve_webhook_sales"} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("log leaks %s", secret)
		}
	}
}
