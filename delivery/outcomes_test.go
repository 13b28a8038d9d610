package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aloware-kendo/aloware-kendo/aloware"
	"github.com/aloware-kendo/aloware-kendo/delivery"
	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/lifecycle"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "aloware", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// events splits a fixture holding an array of one call's events.
func events(t *testing.T, raw []byte) [][]byte {
	t.Helper()
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		return [][]byte{raw}
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(list))
	for i, e := range list {
		out[i] = e
	}
	return out
}

// Events that can never become a Kendo call are stored and answered 2xx-worthy receipts;
// the call record says why. Nothing reaches Kendo.
func TestCallsThatAreNotDelivered(t *testing.T) {
	cases := []struct {
		fixture    string
		callID     string
		wantStatus lifecycle.Status
	}{
		{"test-payload.json", "", lifecycle.Ignored},
		{"sms-inbound.json", "940872001", lifecycle.Ignored},
		{"appointment.json", "", lifecycle.Ignored},
		{"missed-inbound.json", "940871555", lifecycle.Skipped},
		{"failed-outbound.json", "940869120", lifecycle.Skipped},
	}
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{})
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			var rc delivery.Receipt
			events := events(t, fixture(t, tc.fixture))
			for _, raw := range events {
				rc = accept(t, svc, raw)
			}
			if rc.Status != tc.wantStatus || rc.Reason == "" {
				t.Fatalf("receipt %+v, want status %s with a reason", rc, tc.wantStatus)
			}
			if tc.callID != "" && rc.AlowareCallID != tc.callID {
				t.Fatalf("call id %q, want %q", rc.AlowareCallID, tc.callID)
			}
			if rc.AlowareCallID != "" {
				rec, err := svc.Call(context.Background(), rc.AlowareCallID)
				if err != nil || rec.Status != tc.wantStatus || len(rec.Events) != len(events) {
					t.Fatalf("record %+v, err %v", rec, err)
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	if n := k.Posts(); n != 0 {
		t.Fatalf("Kendo got %d POSTs for calls that have nothing to analyse", n)
	}
}

// A finished call whose recording never comes is skipped after the artifact wait; if the
// recording turns up later after all, the call is delivered.
func TestAwaitingArtifactsThenSkippedThenLateRecording(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{artifactWait: 400 * time.Millisecond})
	events := recorded(t, "inbound-940870001")
	accept(t, svc, events[0])
	if rc := accept(t, svc, events[1]); rc.Status != lifecycle.Received || rc.Reason == "" {
		t.Fatalf("finished call without artifacts: %+v", rc)
	}
	rec := waitStatus(t, svc, "940870001", lifecycle.Skipped, 10*time.Second)
	if rec.Reason == "" {
		t.Fatal("skipped without a reason")
	}
	accept(t, svc, events[2]) // Recording-Saved, late
	waitStatus(t, svc, "940870001", lifecycle.Delivered, 10*time.Second)
	if n := len(k.Emu.Calls()); n != 1 {
		t.Fatalf("Kendo accepted %d calls, want 1", n)
	}
}

// Wait holds a caller until the call is delivered, and never longer than asked.
func TestWait(t *testing.T) {
	k := newKendo(t, kendo.Rate{Limit: 30, Period: time.Minute})
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", k.URL(), engineOpts{settle: 200 * time.Millisecond})
	events := recorded(t, "inbound-940870001")
	accept(t, svc, events[0])
	start := time.Now()
	rc, err := svc.Wait(context.Background(), "940870001", 300*time.Millisecond)
	if err != nil || rc.Status != lifecycle.Received {
		t.Fatalf("wait on an unfinished call: %+v, %v", rc, err)
	}
	if held := time.Since(start); held > 3*time.Second {
		t.Fatalf("held %s for a 300ms wait", held)
	}
	accept(t, svc, events[1])
	accept(t, svc, events[2])
	rc, err = svc.Wait(context.Background(), "940870001", 15*time.Second)
	if err != nil || rc.Status != lifecycle.Delivered || rc.KendoCallID == "" {
		t.Fatalf("wait for delivery: %+v, %v", rc, err)
	}
}

// A body that is not a JSON object is refused before anything is stored; a JSON object
// whose call id cannot be read is kept in the quarantine, and makes no call.
func TestBadInputIsNotStored(t *testing.T) {
	svc := startEngine(t, "sqlite:"+t.TempDir()+"/ak.db", "http://127.0.0.1:1/unused", engineOpts{})
	for _, raw := range []string{`[{"event":"Recording-Saved","body":{"id":1}}]`, `"Recording-Saved"`, `{"event":`} {
		_, err := svc.Accept(context.Background(), []byte(raw))
		var inputErr *aloware.InputError
		if !errors.As(err, &inputErr) || inputErr.IsObject {
			t.Fatalf("%s: err %v, want an InputError for a body that is not an object", raw, err)
		}
	}
	rc, err := svc.Accept(context.Background(), []byte(`{"event":"Recording-Saved","body":{"id":"12ab"}}`))
	if err != nil || rc.Status != lifecycle.Quarantined {
		t.Fatalf("an object with an unreadable id: %+v, %v; want quarantined", rc, err)
	}
	if _, err := svc.Call(context.Background(), "12ab"); !errors.Is(err, delivery.ErrNotFound) {
		t.Fatalf("call lookup: %v, want ErrNotFound", err)
	}
	if page, _ := svc.Quarantine(context.Background(), 10, ""); page.Total != 1 {
		t.Fatalf("%d events in quarantine, want 1", page.Total)
	}
}
