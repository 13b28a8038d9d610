package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/kendo/emulator"
)

// emulatorCmd runs the local stand-in for Kendo's Push API until ctx ends.
func emulatorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aloware-kendo kendo-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", ":8081", "address to serve on")
	rate := kendo.DefaultRate
	fs.TextVar(&rate, "kendo-rate", kendo.DefaultRate, "requests allowed per API key, N/min or N/s")
	var keys multiFlag
	fs.Var(&keys, "kendo-api-key", "accept only this key (repeatable); default: any pk_... key")
	var hook emulator.Webhook
	fs.StringVar(&hook.URL, "webhook-url", "", "send a signed call.uploaded here for every accepted call, e.g. http://127.0.0.1:8080/kendo/webhook")
	fs.StringVar(&hook.Secret, "webhook-secret", "", "the secret that signs the webhook (X-Kendo-Signature); the service's --kendo-webhook-secret")
	fs.DurationVar(&hook.Delay, "analysis-delay", 5*time.Second, "how long after accepting a call its call.uploaded is sent")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aloware-kendo kendo-emulator [--listen :8081] [--kendo-rate 30/min] [--kendo-api-key pk_...]\n"+
			"                                    [--webhook-url URL --webhook-secret S [--analysis-delay 5s]]\n\n"+
			"Serves Kendo's Push API rules on POST /api/integrations/push-api/ingest (also /ingest and /)\n"+
			"and lists what it accepted at GET /calls. With --webhook-url it also plays Kendo's outbound\n"+
			"webhook: a signed call.uploaded for every accepted call, listed at GET /webhooks\n"+
			"(POST /webhooks/test sends a test delivery).")
		fs.PrintDefaults()
	}
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	if msg := checkWebhookFlags(hook); msg != "" {
		fmt.Fprintf(stderr, "kendo-emulator: %s\n", msg)
		return exitUsage
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	if err := emulator.Run(ctx, *listen, emulator.Options{Rate: rate, Keys: keys, Webhook: hook}, logger); err != nil {
		fmt.Fprintf(stderr, "kendo-emulator: %v\n", err)
		return exitFail
	}
	return exitOK
}

// checkWebhookFlags says what is wrong with the webhook flags ("" when nothing is).
func checkWebhookFlags(h emulator.Webhook) string {
	switch {
	case h.URL == "" && h.Secret == "":
		return ""
	case h.URL == "":
		return "--webhook-secret needs --webhook-url"
	case h.Secret == "":
		return "--webhook-url needs --webhook-secret (Kendo signs every delivery)"
	case h.Delay < 0:
		return "--analysis-delay must not be negative"
	}
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "--webhook-url: want an http(s) URL such as http://127.0.0.1:8080/kendo/webhook"
	}
	return ""
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
