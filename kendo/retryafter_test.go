package kendo

import (
	"net/http"
	"regexp"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 8, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"30", 30 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"NaN", 0, false},
		{"99999999999999", maxRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(1000 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"Wednesday, 05-Aug-26 12:00:10 GMT", 10 * time.Second, true}, // RFC 850, still legal
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestKeyID(t *testing.T) {
	const key = "pk_live_abcdef123456"
	id := KeyID(key)
	if !regexp.MustCompile(`^key_[0-9a-f]{16}$`).MatchString(id) {
		t.Fatalf("KeyID = %q", id)
	}
	if KeyID(key) != id {
		t.Fatal("KeyID is not stable")
	}
	if KeyID(key+"x") == id {
		t.Fatal("different keys share an id")
	}
	// Pinned: pacing rows in the database are keyed by it, so the scheme must
	// not drift between releases (printf pk_live_abcdef123456 | sha256sum).
	if want := "key_5f07b1dd48315083"; id != want {
		t.Fatalf("KeyID(%q) = %q, want %q", key, id, want)
	}
}
