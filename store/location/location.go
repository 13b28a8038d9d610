// Package location reads and redacts a database location ("sqlite:PATH" or a
// postgres:// URL) without importing any database driver, so configuration code can
// check and print one.
package location

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Check accepts sqlite:PATH (sqlite://PATH too) and postgres:// or postgresql:// URLs.
func Check(s string) error {
	scheme, rest, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return fmt.Errorf("%q: want sqlite:PATH or postgres://user@host/db", Redact(s))
	case scheme == "sqlite":
		if strings.TrimLeft(rest, "/") == "" {
			return errors.New("sqlite: needs a file path, e.g. sqlite:./data/aloware-kendo.db")
		}
		return nil
	case scheme == "postgres" || scheme == "postgresql":
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%q is not a postgres URL (postgres://user@host:5432/db)", Redact(s))
		}
		return nil
	}
	return fmt.Errorf("unknown database scheme %q: use sqlite: or postgres://", scheme)
}

// secretParams are the connection parameters that carry a secret in a PostgreSQL URL's
// query string or a key=value DSN (libpq and pgx spellings).
var secretParams = []string{"password", "sslpassword"}

// keyValueSecret finds password=… in a key=value DSN, quoted or not.
var keyValueSecret = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

// Redact hides every credential of a database location wherever one is shown: the
// password of the user info, password= and sslpassword= in the query string, and the
// same keys in a key=value DSN.
func Redact(s string) string {
	if !strings.Contains(s, "://") {
		return keyValueSecret.ReplaceAllString(s, "${1}=xxxxx")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "[unparseable database URL]"
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		// url.Query drops the pairs it cannot decode (a ';' separator, a bad %
		// escape), so a password in one of them would never be found by its key.
		u.RawQuery = "xxxxx"
		return u.Redacted()
	}
	if len(q) > 0 {
		changed := false
		for _, k := range secretParams {
			for key := range q {
				if strings.EqualFold(key, k) {
					q[key] = []string{"xxxxx"}
					changed = true
				}
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// Secrets lists the credential values in a location, for scrubbing them out of error
// texts a driver produced from it.
func Secrets(s string) []string {
	var out []string
	if u, err := url.Parse(s); err == nil && strings.Contains(s, "://") {
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw)
		}
		for key, vals := range u.Query() {
			if isSecretParam(key) {
				for _, v := range vals {
					if v != "" {
						out = append(out, v)
					}
				}
			}
		}
		return append(out, rawQuerySecrets(u.RawQuery)...)
	}
	for _, m := range keyValueSecret.FindAllStringSubmatch(s, -1) {
		if v := strings.Trim(m[2], "'"); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func isSecretParam(key string) bool {
	for _, k := range secretParams {
		if strings.EqualFold(key, k) {
			return true
		}
	}
	return false
}

// rawQuerySecrets finds the secret values of a query as written, for the pairs url.Query
// drops because it cannot decode them. A ';' may separate pairs or belong to the value,
// so both readings are taken.
func rawQuerySecrets(raw string) []string {
	var out []string
	for _, seps := range []string{"&", "&;"} {
		pairs := strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune(seps, r) })
		for _, pair := range pairs {
			key, v, _ := strings.Cut(pair, "=")
			if isSecretParam(key) && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// Scrub removes the location's credentials from a message.
func Scrub(msg, location string) string {
	secrets := Secrets(location)
	// The longest first: one secret may hold another ("abc;def" and "abc").
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, secret := range secrets {
		msg = strings.ReplaceAll(msg, secret, "xxxxx")
		if esc := url.QueryEscape(secret); esc != secret {
			msg = strings.ReplaceAll(msg, esc, "xxxxx")
		}
	}
	return msg
}

// SQLitePath is the file of a sqlite:PATH (or sqlite://PATH) location; ok is false for
// any other location.
func SQLitePath(s string) (path string, ok bool) {
	path, ok = strings.CutPrefix(s, "sqlite:")
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(path, "//"), true
}
