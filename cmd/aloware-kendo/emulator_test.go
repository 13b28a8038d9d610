package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/internal/testenv"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// kendo-emulator --webhook-url … sends a signed call.uploaded for the call it accepted.
func TestEmulatorCommandSendsWebhooks(t *testing.T) {
	const secret = "whsec_cmd_test_secret"
	got := make(chan kendo.WebhookEvent, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !kendo.VerifySignature([][]byte{[]byte(secret)}, body, r.Header.Get(kendo.SignatureHeader)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ev, _ := kendo.ParseWebhook(r.Header, body)
		got <- ev
	}))
	defer receiver.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var log testenv.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"kendo-emulator", "--listen", "127.0.0.1:0", "--webhook-url", receiver.URL + "/kendo/webhook",
			"--webhook-secret", secret, "--analysis-delay", "10ms"}, strings.NewReader(""), io.Discard, &log)
	}()
	addr := waitForLog(t, &log, regexp.MustCompile(`"addr":"([^"]+)"`))
	res := kendo.NewClient("http://"+addr+emulator.IngestPath, nil).Send(ctx, "pk_emulator_cmd_test", []byte(`{"transcript":"Rep: hi","duration":63}`))
	if res.Outcome != kendo.Accepted {
		t.Fatalf("ingest: %+v", res)
	}
	ev := <-got
	if ev.Event != kendo.EventCallUploaded || ev.Data.KendoCallID != res.KendoCallID || ev.Data.Duration != 63 || ev.Data.AIScore == "" {
		t.Errorf("webhook %+v for call %s", ev, res.KendoCallID)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, log.String())
	}
	if strings.Contains(log.String(), secret) {
		t.Error("the log shows the webhook secret")
	}
}

func TestEmulatorCommandWebhookFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--webhook-url", "http://127.0.0.1:1/kendo/webhook"},
		{"--webhook-secret", "s"},
		{"--webhook-url", "ftp://x/kendo/webhook", "--webhook-secret", "s"},
		{"--webhook-url", "http://127.0.0.1:1/kendo/webhook", "--webhook-secret", "s", "--analysis-delay", "-1s"},
	} {
		if r := runCmd(t, "", append([]string{"kendo-emulator", "--listen", "127.0.0.1:0"}, args...)...); r.code != 2 || !strings.Contains(r.stderr, "--") {
			t.Errorf("%v: exit %d %q", args, r.code, r.stderr)
		}
	}
}
