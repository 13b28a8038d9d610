package ui

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Everything the page shows from a call's content passes through maskText: phone numbers
// are masked (the last two digits stay, so two numbers can still be told apart) and URLs
// are cut to their scheme and host, because a recording URL plays without a login.

var (
	// usPhone: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, 5551234567, each
	// with an optional +1 / 1 prefix.
	usPhone = regexp.MustCompile(`(?:\+?1[-. ]?)?(?:\(\d{3}\)[-. ]?|\d{3}[-. ]?)\d{3}[-. ]?\d{4}`)
	// intlPhone: a + and 8 to 15 digits with single separators: E.164 and its written forms.
	intlPhone = regexp.MustCompile(`\+\d(?:[-. ]?\(?\d\)?){7,14}`)
	anyURL    = regexp.MustCompile(`(?i)\b(?:https?|ftp|wss?)://[^\s<>"']+`)
)

const maskRune = '•'

func maskText(s string) string {
	if s == "" {
		return s
	}
	s = anyURL.ReplaceAllStringFunc(s, maskURL)
	s = replaceBounded(s, intlPhone, func(m string) bool { n := digits(m); return n >= 8 && n <= 15 })
	return replaceBounded(s, usPhone, func(m string) bool {
		n := digits(m)
		return n == 10 || (n == 11 && strings.TrimLeft(m, "+")[0] == '1')
	})
}

// replaceBounded masks the matches of re that stand alone (no letter or digit right
// before or after: part of a longer id is not a phone number) and pass ok.
func replaceBounded(s string, re *regexp.Regexp, ok func(string) bool) string {
	idx := re.FindAllStringIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		start, end := m[0], m[1]
		if !ok(s[start:end]) || wordBefore(s, start) || wordAfter(s, end) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(maskDigits(s[start:end]))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

func wordBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '+')
}

func wordAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// maskDigits keeps the separators and the last two digits.
func maskDigits(s string) string {
	keep := 2
	out := []rune(s)
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] < '0' || out[i] > '9' {
			continue
		}
		if keep > 0 {
			keep--
			continue
		}
		out[i] = maskRune
	}
	return string(out)
}

// maskURL keeps a URL's scheme and host, never its path, query or credentials.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[URL hidden]"
	}
	return u.Scheme + "://" + u.Hostname() + "/…"
}

// maskMetadata masks the values of a payload's metadata, except the contract's ids:
// they are Aloware's numbers for the call, contact, line and agent, shown as such.
func maskMetadataValue(key, value string) string {
	switch key {
	case "alowareCallId", "alowareContactId", "alowareCampaignId", "alowareUserId":
		if digits(value) == len(value) {
			return value
		}
	}
	return maskText(value)
}
