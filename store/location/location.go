// Package location reads and redacts a database location ("sqlite:PATH" or a
// postgres:// URL) without importing any database driver, so configuration code can
// check and print one.
package location

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
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
	if q := u.Query(); len(q) > 0 {
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
			for _, k := range secretParams {
				if strings.EqualFold(key, k) {
					for _, v := range vals {
						if v != "" {
							out = append(out, v)
						}
					}
				}
			}
		}
		return out
	}
	for _, m := range keyValueSecret.FindAllStringSubmatch(s, -1) {
		if v := strings.Trim(m[2], "'"); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Scrub removes the location's credentials from a message.
func Scrub(msg, location string) string {
	for _, secret := range Secrets(location) {
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
