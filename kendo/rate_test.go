package kendo

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want Rate
		str  string
	}{
		{"30/min", Rate{30, time.Minute}, "30/min"},
		{"5/s", Rate{5, time.Second}, "5/s"},
		{"30/m", Rate{30, time.Minute}, "30/min"},
		{"5/sec", Rate{5, time.Second}, "5/s"},
		{"5/second", Rate{5, time.Second}, "5/s"},
		{"30/minute", Rate{30, time.Minute}, "30/min"},
		{"30/minutes", Rate{30, time.Minute}, "30/min"},
		{"100/h", Rate{100, time.Hour}, "100/h"},
		{"100/hour", Rate{100, time.Hour}, "100/h"},
		{" 30 / min ", Rate{30, time.Minute}, "30/min"},
		{"30/MIN", Rate{30, time.Minute}, "30/min"},
		{"1/s", Rate{1, time.Second}, "1/s"},
		{"10/90s", Rate{10, 90 * time.Second}, "10/1m30s"},
		{"10/1m30s", Rate{10, 90 * time.Second}, "10/1m30s"},
		{"2/500ms", Rate{2, 500 * time.Millisecond}, "2/500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if err != nil {
				t.Fatalf("ParseRate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseRate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Fatalf("String() = %q, want %q", s, tt.str)
			}
			again, err := ParseRate(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip of %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseRateErrors(t *testing.T) {
	tests := []struct{ in, wantInErr string }{
		{"", "want N/unit"},
		{"30", "want N/unit"},
		{"30 per minute", "want N/unit"},
		{"0/min", "at least 1"},
		{"-5/s", "at least 1"},
		{"abc/min", "not a whole number"},
		{"1.5/s", "not a whole number"},
		{"/min", "not a whole number"},
		{"30/", "unknown unit"},
		{"30/fortnight", "unknown unit"},
		{"30/-1m", "unknown unit"},
		{"30/0s", "unknown unit"},
		{"30/min/s", "unknown unit"},
		{"99999999999999999999/s", "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseRate(tt.in)
			if err == nil {
				t.Fatalf("ParseRate(%q) succeeded, want an error", tt.in)
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("ParseRate(%q) error %q does not mention %q", tt.in, err, tt.wantInErr)
			}
		})
	}
}

func TestRateAsFlag(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var r Rate
	fs.TextVar(&r, "kendo-rate", DefaultRate, "")
	if r != DefaultRate {
		t.Fatalf("default = %v", r)
	}
	if err := fs.Parse([]string{"--kendo-rate", "5/s"}); err != nil {
		t.Fatal(err)
	}
	if r != (Rate{5, time.Second}) {
		t.Fatalf("parsed %v", r)
	}
	if err := fs.Parse([]string{"--kendo-rate", "0/s"}); err == nil {
		t.Fatal("0/s accepted as a flag")
	}
}
