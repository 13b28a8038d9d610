package teams

import "strings"

// canonicalID is an Aloware id as a canonical decimal string: digits only, surrounding
// spaces and leading zeros dropped ("081422" and 81422 are one id). false when s is
// not a whole non-negative decimal number.
func canonicalID(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if s = strings.TrimLeft(s, "0"); s == "" {
		return "0", true
	}
	return s, true
}

// canonicalEmail compares e-mails case-insensitively. false when s does not look like
// an address (one @ with something on each side, no spaces): routing needs no stricter
// rule, it only has to equal what Aloware sends.
func canonicalEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(s, " \t\r\n") {
		return "", false
	}
	return s, true
}
