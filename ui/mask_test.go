package ui

import "testing"

func TestMaskText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// E.164 and the common US forms
		{"call +15551234567 now", "call +•••••••••67 now"},
		{"+1 (555) 123-4567", "+• (•••) •••-••67"},
		{"(555) 123-4567", "(•••) •••-••67"},
		{"555-123-4567", "•••-•••-••67"},
		{"555.123.4567", "•••.•••.••67"},
		{"555 123 4567.", "••• ••• ••67."},
		{"5551234567", "••••••••67"},
		{"1-555-123-4567", "•-•••-•••-••67"},
		{"tel:+44 20 7946 0958", "tel:+•• •• •••• ••58"},
		{"Inbound - +15551234567", "Inbound - +•••••••••67"},
		// not phone numbers: ids, dates, times, amounts, longer digit runs
		{"call 940868616 contact 155091981", "call 940868616 contact 155091981"},
		{"2026-08-05 20:58:49", "2026-08-05 20:58:49"},
		{"2026-08-05T20:58:49Z", "2026-08-05T20:58:49Z"},
		{"premium $1,234.56", "premium $1,234.56"},
		{"ref 12345551234567 done", "ref 12345551234567 done"},
		{"abc5551234567", "abc5551234567"},
		{"", ""},
		// URLs keep scheme and host only: a recording URL works without a login
		{"audio https://app.aloware.io/static/recording/32c1a2f8?sig=abc failed", "audio https://app.aloware.io/… failed"},
		{"https://user:pw@example.com/x", "https://example.com/…"},
		// both in one text
		{"Rep: call me at 555 123 4567 or see https://x.example/r/1", "Rep: call me at ••• ••• ••67 or see https://x.example/…"},
	} {
		if got := maskText(tt.in); got != tt.want {
			t.Errorf("maskText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskMetadataKeepsContractIDs(t *testing.T) {
	for _, tt := range []struct{ key, in, want string }{
		{"alowareContactId", "5551234567", "5551234567"},
		{"alowareCallId", "940868616", "940868616"},
		{"alowareContactPhone", "+15551234567", "+•••••••••67"},
		{"alowareSummary", "Jane (555) 123-4567 asked for a callback", "Jane (•••) •••-••67 asked for a callback"},
		{"alowareContactId", "+15551234567", "+•••••••••67"},
	} {
		if got := maskMetadataValue(tt.key, tt.in); got != tt.want {
			t.Errorf("%s=%q: %q, want %q", tt.key, tt.in, got, tt.want)
		}
	}
}
