package mask

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		// E.164 and the common US forms
		{"e164", "call +15551234567 now", "call +•••••••••67 now"},
		{"us with country code", "+1 (555) 123-4567", "+• (•••) •••-••67"},
		{"parentheses", "(555) 123-4567", "(•••) •••-••67"},
		{"dashes", "555-123-4567", "•••-•••-••67"},
		{"dots", "555.123.4567", "•••.•••.••67"},
		{"spaces, full stop after", "555 123 4567.", "••• ••• ••67."},
		{"ten digits", "5551234567", "••••••••67"},
		{"leading 1", "1-555-123-4567", "•-•••-•••-••67"},
		{"international", "tel:+44 20 7946 0958", "tel:+•• •• •••• ••58"},
		{"in a title", "Inbound - +15551234567", "Inbound - +•••••••••67"},
		// the forms that used to be shown in clear
		{"extension x", "202-555-0177x12", "•••-•••-••77x12"},
		{"extension ext", "2025550177ext9", "••••••••77ext9"},
		{"extension spelled", "call 202 555 0177 ext. 3 now", "call ••• ••• ••77 ext. 3 now"},
		{"plus after a word", "Phone+12025550177", "Phone+•••••••••77"},
		{"underscore suffix", "+1-202-555-0177_home", "+•-•••-•••-••77_home"},
		{"underscore prefix", "home_2025550177", "home_••••••••77"},
		{"slashes", "202/555/0177", "•••/•••/••77"},
		{"full-width digits", "２０２５５５０１７７", "••••••••７７"},
		{"full-width plus and hyphens", "＋１－２０２－５５５－０１７７", "＋•－•••－•••－••７７"},
		{"no-break spaces", "202\u00a0555\u00a00177", "•••\u00a0•••\u00a0••77"},
		{"non-breaking hyphens", "202\u2011555\u20110177", "•••\u2011•••\u2011••77"},
		{"narrow no-break space, e164", "+1\u202f202\u202f555\u202f0177", "+•\u202f•••\u202f•••\u202f••77"},
		{"quoted in an error", `must be a whole number: "202-555-0177" is not`, `must be a whole number: "•••-•••-••77" is not`},
		// not phone numbers: ids, dates, times, durations, amounts, longer digit runs
		{"aloware ids", "call 940868616 contact 155091981", "call 940868616 contact 155091981"},
		{"ten-digit id starting with 1", "call 1940868616", "call 1940868616"},
		{"date and time", "2026-08-05 20:58:49", "2026-08-05 20:58:49"},
		{"iso timestamp", "2026-08-05T20:58:49Z", "2026-08-05T20:58:49Z"},
		{"iso timestamp with millis and offset", "2026-08-05T20:58:49.123+05:30", "2026-08-05T20:58:49.123+05:30"},
		{"millis since epoch", "at 1786049929123 ms", "at 1786049929123 ms"},
		{"durations", "talk 3600s, waited 1h2m3.5s, 125 seconds", "talk 3600s, waited 1h2m3.5s, 125 seconds"},
		{"amount", "premium $1,234.56", "premium $1,234.56"},
		{"longer digit run", "ref 12345551234567 done", "ref 12345551234567 done"},
		{"glued to letters", "abc5551234567", "abc5551234567"},
		{"kendo uuid", "callId 123e4567-e89b-12d3-a456-426614174000", "callId 123e4567-e89b-12d3-a456-426614174000"},
		{"kendo uuid of digits", "12345678-1234-1234-1234-123456789012", "12345678-1234-1234-1234-123456789012"},
		{"kendo cuid", "cm2025550177x8k2q0000", "cm2025550177x8k2q0000"},
		{"kendo objectid", "64f1a2b3c4d5e6f708192a3b", "64f1a2b3c4d5e6f708192a3b"},
		{"kendo prefixed id", "kc_7Hq2Lm9X", "kc_7Hq2Lm9X"},
		{"json location", "body.body.id", "body.body.id"},
		{"media type", "application/json; text/plain", "application/json; text/plain"},
		{"rate", "20/s and 30/min", "20/s and 30/min"},
		{"empty", "", ""},
		// URLs keep scheme and host only: a recording URL plays without a login
		{"recording url", "audio https://app.aloware.io/static/recording/32c1a2f8?sig=abc failed", "audio https://app.aloware.io/… failed"},
		{"credentials", "https://user:pw@example.com/x", "https://example.com/…"},
		{"json-escaped slashes", `"audioUrl":"https:\/\/app.aloware.io\/static\/recording\/32c1"`, `"audioUrl":"[URL hidden]"`},
		{"scheme-less", "audioUrl app.aloware.io/static/recording/32c1a2f8.mp3 is not reachable", "audioUrl app.aloware.io/… is not reachable"},
		{"scheme-relative", "audioUrl //app.aloware.io/static/recording/32c1a2f8.mp3", "audioUrl //app.aloware.io/…"},
		{"host with port and query", "see app.aloware.io:8443?rec=32c1", "see app.aloware.io/…"},
		{"percent-encoded", "next=https%3A%2F%2Fapp.aloware.io%2Fstatic%2Frecording%2F32c1&x=1", "next=[URL hidden]&x=1"},
		{"host alone stays", "Kendo at app.kendo.ai answered 500", "Kendo at app.kendo.ai answered 500"},
		{"e-mail stays", "rep jane@example.com", "rep jane@example.com"},
		// both in one text
		{"phone and url", "Rep: call me at 555 123 4567 or see https://x.example/r/1", "Rep: call me at ••• ••• ••67 or see https://x.example/…"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Text(tt.in)
			if got != tt.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := Text(got); again != got {
				t.Errorf("not idempotent: Text(%q) = %q", got, again)
			}
		})
	}
}

func TestMetadataValueKeepsContractIDs(t *testing.T) {
	for _, tt := range []struct{ key, in, want string }{
		{"alowareContactId", "5551234567", "5551234567"},
		{"alowareCallId", "940868616", "940868616"},
		{"alowareContactPhone", "+15551234567", "+•••••••••67"},
		{"alowareSummary", "Jane (555) 123-4567 asked for a callback", "Jane (•••) •••-••67 asked for a callback"},
		{"alowareContactId", "+15551234567", "+•••••••••67"},
	} {
		if got := MetadataValue(tt.key, tt.in); got != tt.want {
			t.Errorf("%s=%q: %q, want %q", tt.key, tt.in, got, tt.want)
		}
	}
}

func TestHandlerMasksEveryStringButIDs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil))).With("team", "+12025550177")
	log.Error("Kendo refused https://app.aloware.io/static/recording/abc",
		"alowareCallId", "2025550177", "kendoMessage", "audioUrl https://app.aloware.io/static/recording/abc unreachable",
		"event", "Call 202-555-0177", "error", errors.New("dial +12025550177"),
		slog.Group("g", "phone", "202.555.0177"), "warnings", []string{"202/555/0177"}, "count", 3)
	out := buf.String()
	for _, leak := range []string{"static/recording", "0177", "2025550177 ", "202.555"} {
		if strings.Contains(strings.ReplaceAll(out, "alowareCallId=2025550177", ""), leak) {
			t.Errorf("log line leaks %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "alowareCallId=2025550177") || !strings.Contains(out, "count=3") {
		t.Errorf("ids and numbers must stay whole:\n%s", out)
	}
	if h := Handler(slog.DiscardHandler); Handler(h) != h {
		t.Error("a masked handler is masked again")
	}
}
