package schema

import (
	"errors"
	"strings"
)

// validateEmail replaces the library's "email" format. The library follows RFC 5321
// loosely enough to accept "@example.com" (empty local part), "a@localhost" and quoted
// or IP-literal forms; Kendo's "invalid email" 400 is documented without its rule, and
// common validators (zod, HTML forms) refuse those. We accept only what such validators
// accept: a dot-atom local part and a dotted DNS name with an alphabetic top-level
// label, so a payload that passes here is not refused by Kendo for its e-mail.
func validateEmail(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil // the "type" keyword reports non-strings
	}
	if len(s) > 254 {
		return errors.New("longer than 254 characters")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return errors.New("missing @")
	}
	local, domain := s[:at], s[at+1:]
	if err := checkLocalPart(local); err != nil {
		return err
	}
	return checkDomain(domain)
}

func checkLocalPart(local string) error {
	switch {
	case local == "":
		return errors.New("nothing before @")
	case len(local) > 64:
		return errors.New("local part longer than 64 characters")
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return errors.New("misplaced dot in local part")
	}
	for _, ch := range local {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.ContainsRune(".!#$%&'*+-/=?^_`{|}~", ch):
		default:
			return errors.New("invalid character " + quoteRune(ch) + " in local part")
		}
	}
	return nil
}

func checkDomain(domain string) error {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return errors.New("domain " + quote(domain) + " has no dot")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("invalid domain " + quote(domain))
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return errors.New("invalid domain " + quote(domain))
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.IndexFunc(tld, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) >= 0 {
		return errors.New("invalid top-level domain " + quote(tld))
	}
	return nil
}

func quote(s string) string   { return "'" + s + "'" }
func quoteRune(r rune) string { return "'" + string(r) + "'" }
