package emulator

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/kendo"
)

// The Push API client and the emulator agree on every class the emulator can produce.
func TestClientAgainstEmulator(t *testing.T) {
	clk := newClock()
	e := New(Options{Rate: kendo.Rate{Limit: 2, Period: time.Minute}, Now: clk.Now})
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := kendo.NewClient(srv.URL+IngestPath, srv.Client())
	ctx := context.Background()

	res := c.Send(ctx, keyA, []byte(okBody))
	if res.Outcome != kendo.Accepted || res.Status != 201 || res.KendoCallID == "" || res.KendoCallID != e.Calls()[0].KendoCallID {
		t.Fatalf("accepted: %+v", res)
	}
	res = c.Send(ctx, keyA, []byte(`{"transcript":"x","repEmail":"nope"}`))
	if res.Outcome != kendo.BadRequest || !strings.Contains(res.Message, "repEmail") {
		t.Fatalf("bad request: %+v", res)
	}
	clk.At(20 * time.Second)
	res = c.Send(ctx, keyA, []byte(okBody))
	if res.Outcome != kendo.RateLimited || res.RetryAfter != 40*time.Second || !strings.Contains(res.Message, "rate limit") {
		t.Fatalf("rate limited: %+v", res)
	}
	res = c.Send(ctx, "pk_no", []byte(okBody))
	if res.Outcome != kendo.Unauthorized || strings.Contains(res.Message, "pk_no") {
		t.Fatalf("unauthorized: %+v", res)
	}
	if n := len(e.Calls()); n != 1 {
		t.Fatalf("%d calls stored", n)
	}
}

func TestRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, addr, Options{Rate: kendo.Rate{Limit: 5, Period: time.Second}}, nil) }()

	base := "http://" + addr
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, err := http.Get(base + "/healthz")
		if err == nil {
			r.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("emulator never came up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := kendo.NewClient(base+IngestPath, nil).Send(ctx, keyA, []byte(okBody))
	if res.Outcome != kendo.Accepted {
		t.Fatalf("%+v", res)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestRunBadAddress(t *testing.T) {
	err := Run(context.Background(), "256.0.0.1:http-nope", Options{}, nil)
	if err == nil || !strings.Contains(err.Error(), "kendo emulator") {
		t.Fatalf("err = %v", err)
	}
}
