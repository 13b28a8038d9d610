package aloware

import "testing"

func TestParseWhole(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  error
	}{
		{"63", 63, nil},
		{"-7", -7, nil},
		{"0", 0, nil},
		{"63.0", 63, nil},
		{"6.3e1", 63, nil},
		{"9.40868616e8", 940868616, nil},
		{"63.5", 0, errFractional},
		{"1e-3", 0, errFractional},
		{"9223372036854775807", 9223372036854775807, nil},
		{"9223372036854775808", 0, errRange},
		{"1e19", 0, errRange},
		{"1e400", 0, errRange},
		{"NaN", 0, errNotNumber},
		{"Infinity", 0, errNotNumber},
		{"0x10", 0, errNotNumber},
		{"1_000", 0, errNotNumber},
		{"", 0, errNotNumber},
		{"01", 0, errNotNumber},
		{"+1", 0, errNotNumber},
		{"1.", 0, errNotNumber},
		{".5", 0, errNotNumber},
		{"1e", 0, errNotNumber},
	}
	for _, tc := range tests {
		got, err := parseWhole(tc.in)
		if err != tc.err || (err == nil && got != tc.want) {
			t.Errorf("parseWhole(%q) = %d, %v; want %d, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseRounded(t *testing.T) {
	for in, want := range map[string]int{"62.5": 63, "62.4": 62, "66": 66, "1e2": 100, "-0.4": 0} {
		got, err := parseRounded(in)
		if err != nil || got != want {
			t.Errorf("parseRounded(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"1e400", "NaN", "1e19", "abc"} {
		if _, err := parseRounded(in); err == nil {
			t.Errorf("parseRounded(%q): no error", in)
		}
	}
}

func TestIsKnownEventName(t *testing.T) {
	for _, n := range []string{"OutboundPhoneCall", "InboundPhoneCall-DispositionMissed", "Recording-Saved", "recording.saved", "Call Disposed",
		"transcription.open_search.saved", "InboundSMS-DispositionCompleted", "OutboundAppointment", "Contact Created", ""} {
		if !IsKnownEventName(n) {
			t.Errorf("IsKnownEventName(%q) = false", n)
		}
	}
	for _, n := range []string{"Call-Transferred", "Foo", "PhoneCall"} {
		if IsKnownEventName(n) {
			t.Errorf("IsKnownEventName(%q) = true", n)
		}
	}
}
