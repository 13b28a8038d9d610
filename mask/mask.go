// Package mask hides the personal data that free text can carry — phone numbers and
// recording URLs — wherever the service shows text that came from a call: the API's
// answers, the log lines and the ops page all mask through Text, so one set of rules
// decides what is hidden. A recording URL plays without a login, so it is cut to its
// scheme and host; a phone number keeps its last two digits, so two numbers can still be
// told apart.
package mask

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The character classes the phone patterns are written with: digits of any script
// (full-width ones too), the separators people and phones put between digit groups
// (ASCII, no-break and narrow spaces, the Unicode hyphens and dashes, the full-width
// forms), and the plus sign in both widths.
const (
	digit  = `\p{Nd}`
	sep    = `[-./ \x{00A0}\x{2007}-\x{200A}\x{202F}\x{2010}-\x{2015}\x{2212}\x{3000}\x{FF0D}\x{FF0E}\x{FF0F}]`
	plus   = `[+\x{FF0B}]`
	lparen = `[(\x{FF08}]`
	rparen = `[)\x{FF09}]`
	// extension: 202-555-0177x12, 2025550177ext9, 555 123 4567 ext. 3, … #12
	extension = `(?i:\s?(?:x|ext\.?|extension|#)\s?` + digit + `{1,6})?`
)

var (
	// usPhone: (555) 123-4567, 555-123-4567, 555.123.4567, 202/555/0177, 5551234567,
	// each with an optional +1 / 1 prefix and an optional extension.
	usPhone = regexp.MustCompile(`(?:` + plus + `?1` + sep + `?)?(?:` + lparen + digit + `{3}` + rparen + sep + `?|` +
		digit + `{3}` + sep + `?)` + digit + `{3}` + sep + `?` + digit + `{4}` + extension)
	// intlPhone: a plus and 8 to 15 digits with single separators: E.164 and its written
	// forms, with an optional extension.
	intlPhone = regexp.MustCompile(plus + digit + `(?:` + sep + `?` + lparen + `?` + digit + rparen + `?){7,14}` + extension)
	extSuffix = regexp.MustCompile(extension + `$`)

	// schemeURL: any URL with a scheme; `\/` counts as a slash, as JSON may escape it.
	schemeURL = regexp.MustCompile(`(?i)\b(?:https?|ftp|wss?):(?:\\?/){2}[^\s<>"']+`)
	// encodedURL: a URL percent-encoded into another one's query.
	encodedURL = regexp.MustCompile(`(?i)\b(?:https?|ftp|wss?)%3A%2F%2F[^\s<>"'&]+`)
	// hostPath: a host name followed by a path, query or fragment, with "//" in front
	// (scheme-relative) or nothing (app.aloware.io/static/recording/…): the path is the
	// capability whether or not a scheme was written.
	hostPath = regexp.MustCompile(`(?i)(?://)?(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d{1,5})?[/?#][^\s<>"']*`)
)

const maskRune = '•'

// Text masks the phone numbers and URLs in s. It is idempotent: masked text masks to
// itself.
func Text(s string) string {
	if !mayHold(s) {
		return s
	}
	if strings.Contains(s, "%3A") || strings.Contains(s, "%3a") {
		s = encodedURL.ReplaceAllString(s, "[URL hidden]")
	}
	if strings.Contains(s, ":/") || strings.Contains(s, `:\/`) {
		s = schemeURL.ReplaceAllStringFunc(s, URL)
	}
	// The patterns below have no literal to look for, so Go's regexp would try them at
	// every position: over a long transcript that is seconds. They run only over the
	// windows where a match can be: around a slash, query or fragment mark for a URL
	// without scheme, over a run of digits and separators for a phone number.
	s = replaceStandalone(s, hostPath, hostWindows(s), hostStart, maskHostPath)
	phones := phoneWindows(s)
	s = replaceStandalone(s, intlPhone, phones, plusStart, maskPhone(func(n []rune) bool { return len(n) >= 8 && len(n) <= 15 }))
	if len(phones) > 0 {
		phones = phoneWindows(s) // the intl pass may have masked some
	}
	return replaceStandalone(s, usPhone, phones, digitStart, maskPhone(usNumber))
}

// phoneish: a rune a written phone number is made of (the classes of the patterns).
func phoneish(r rune) bool {
	switch {
	case unicode.IsDigit(r):
		return true
	case r == '+' || r == '\uFF0B' || r == '(' || r == ')' || r == '\uFF08' || r == '\uFF09':
		return true
	case r == '-' || r == '.' || r == '/' || r == ' ' || r == '\u00A0' || r == '\u202F' || r == '\u2212' || r == '\u3000':
		return true
	case r >= '\u2007' && r <= '\u200A', r >= '\u2010' && r <= '\u2015', r >= '\uFF0D' && r <= '\uFF0F':
		return true
	}
	return false
}

// phoneWindows are the runs of phoneish runes holding at least eight digits (the
// shortest number either pattern accepts), each with room after it for an extension.
func phoneWindows(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !phoneish(r) {
			i += size
			continue
		}
		j, digits := i, 0
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !phoneish(r) {
				break
			}
			if unicode.IsDigit(r) {
				digits++
			}
			j += size
		}
		if digits >= 8 {
			end := min(j+maxExtension, len(s))
			for end < len(s) && !utf8.RuneStart(s[end]) {
				end++
			}
			out = appendWindow(out, i, end)
		}
		i = j
	}
	return out
}

// maxExtension is room enough for " extension 123456".
const maxExtension = 18

// hostWindows are the words around each '/', '?' or '#': a host name (with a port, and
// the "//" of a scheme-relative URL) before it, the rest of the word after it.
func hostWindows(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); i++ {
		if s[i] != '/' && s[i] != '?' && s[i] != '#' {
			continue
		}
		lo := i
		for lo > 0 && hostByte(s[lo-1]) {
			lo--
		}
		if lo == i { // nothing before the mark that could be a host
			continue
		}
		for n := 0; n < 2 && lo > 0 && s[lo-1] == '/'; n++ {
			lo--
		}
		hi := i
		for hi < len(s) && !strings.ContainsRune(" \t\r\n<>\"'", rune(s[hi])) {
			hi++
		}
		out = appendWindow(out, lo, hi)
		i = hi
	}
	return out
}

func hostByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '-' || b == ':'
}

// appendWindow adds [lo, hi), merged with the last window when they touch.
func appendWindow(ws [][2]int, lo, hi int) [][2]int {
	if n := len(ws); n > 0 && lo <= ws[n-1][1] {
		ws[n-1][1] = max(ws[n-1][1], hi)
		return ws
	}
	return append(ws, [2]int{lo, hi})
}

// mayHold is the cheap test that keeps most log lines and texts off the regular
// expressions: a phone number has at least eight digits, a URL a slash, a query, a
// fragment or an escape.
func mayHold(s string) bool {
	if strings.ContainsAny(s, "/%?#") {
		return true
	}
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			if n++; n >= 8 {
				return true
			}
		}
	}
	return false
}

// usNumber: ten digits, or eleven with the country code 1; an area code never starts
// with 0 or 1 (which also keeps Aloware's ten-digit ids starting with 1 readable).
func usNumber(n []rune) bool {
	if len(n) == 11 && n[0] == '1' {
		n = n[1:]
	}
	return len(n) == 10 && n[0] >= '2'
}

// replaceStandalone replaces the matches of re that start where startOK allows and end
// where no letter or digit follows (part of a longer id is not a phone number); a
// rejected match is retried one character further, so it cannot hide one that overlaps.
//
// Only matches inside windows (sorted, apart) are looked for; the boundaries are judged
// on the whole text.
func replaceStandalone(s string, re *regexp.Regexp, windows [][2]int, startOK func(s string, i int) bool, repl func(string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for _, w := range windows {
		for from, hi := max(w[0], last), w[1]; from < hi; {
			m := re.FindStringIndex(s[from:hi])
			if m == nil {
				break
			}
			start, end := from+m[0], from+m[1]
			if out, ok := repl(s[start:end]); ok && startOK(s, start) && !wordAt(s, end) {
				b.WriteString(s[last:start])
				b.WriteString(out)
				last, from = end, end
				continue
			}
			_, size := utf8.DecodeRuneInString(s[start:])
			from = start + size
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// wordAt: a letter or digit at i continues the text the match came from.
func wordAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func runeBefore(s string, i int) rune {
	if i == 0 {
		return ' '
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

// digitStart: a number glued to a letter or digit before it is part of an id.
func digitStart(s string, i int) bool {
	r := runeBefore(s, i)
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '+' && r != '\uFF0B'
}

// plusStart: the plus marks a phone number even right after a word (Phone+12025550177).
func plusStart(s string, i int) bool { return !unicode.IsDigit(runeBefore(s, i)) }

// hostStart: not inside a longer name, an e-mail address or a URL already masked.
func hostStart(s string, i int) bool {
	r := runeBefore(s, i)
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-.@/:\\", r)
}

// maskPhone masks the digits of a number (not of its extension) but the last two, when
// ok accepts its digits.
func maskPhone(ok func(digits []rune) bool) func(string) (string, bool) {
	return func(m string) (string, bool) {
		number := m
		if loc := extSuffix.FindStringIndex(m); loc != nil && loc[0] < loc[1] {
			number = m[:loc[0]]
		}
		var ds []rune
		for _, r := range number {
			if unicode.IsDigit(r) {
				ds = append(ds, asciiDigit(r))
			}
		}
		if !ok(ds) {
			return "", false
		}
		out := []rune(number)
		keep := 2
		for i := len(out) - 1; i >= 0; i-- {
			if !unicode.IsDigit(out[i]) {
				continue
			}
			if keep > 0 {
				keep--
				continue
			}
			out[i] = maskRune
		}
		return string(out) + m[len(number):], true
	}
}

// asciiDigit maps ASCII and full-width digits to '0'…'9'. A digit of another script only
// counts (as a 5: never a country code 1, never an area code's forbidden 0 or 1), since
// the standard library has no table of digit values.
func asciiDigit(r rune) rune {
	switch {
	case r >= '0' && r <= '9':
		return r
	case r >= '\uFF10' && r <= '\uFF19':
		return '0' + r - '\uFF10'
	}
	return '5'
}

// URL keeps a URL's scheme and host, never its path, query or credentials.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "[URL hidden]"
	}
	return u.Scheme + "://" + u.Hostname() + "/…"
}

// maskHostPath keeps the host (and the "//" before it) of a URL written without scheme.
func maskHostPath(m string) (string, bool) {
	prefix, rest := "", m
	if strings.HasPrefix(m, "//") {
		prefix, rest = "//", m[2:]
	}
	host := rest[:strings.IndexAny(rest, "/?#")]
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return prefix + host + "/…", true
}

// MetadataValue masks a value of a payload's metadata, except the contract's ids: they
// are Aloware's numbers for the call, contact, line and agent, shown as such.
func MetadataValue(key, value string) string {
	switch key {
	case "alowareCallId", "alowareContactId", "alowareCampaignId", "alowareUserId":
		if isDigits(value) {
			return value
		}
	}
	return Text(value)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Texts masks each of ss into a new slice (nil stays nil).
func Texts(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Text(s)
	}
	return out
}
