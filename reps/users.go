package reps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	usersPath    = "/api/v1/webhook/users"
	fetchTimeout = 30 * time.Second
	maxUsersBody = 16 << 20 // far above any real team; stops a runaway body
	redacted     = "REDACTED"
)

// user is one entry of Aloware's Users API; its JSON names are Aloware's wire format.
type user struct {
	ID    flexID `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// flexID accepts 120776 and "120776": Aloware ids are numeric JSON, but
// integrations in between have been seen to stringify them.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexID(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("id: want a number or a string, got %s", b)
	}
	*f = flexID(strings.TrimSpace(s))
	return nil
}

// usersClient calls GET {base}/api/v1/webhook/users?api_token=…. Aloware only
// accepts the token in the query string, so every error and log line built
// here goes through scrub, and url.Errors are rebuilt with a redacted URL.
type usersClient struct {
	base, token string
	hc          *http.Client
}

func newUsersClient(base, token string, hc *http.Client) *usersClient {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	if hc == nil {
		hc = &http.Client{Timeout: fetchTimeout}
	}
	return &usersClient{base: base, token: token, hc: hc}
}

func (c *usersClient) url(token string) string {
	return c.base + usersPath + "?api_token=" + url.QueryEscape(token)
}

func (c *usersClient) redactedURL() string { return c.url(redacted) }

func (c *usersClient) fetch(ctx context.Context) (map[string]user, error) {
	users, err := c.get(ctx)
	if err != nil {
		return nil, c.scrub(err)
	}
	return users, nil
}

func (c *usersClient) get(ctx context.Context) (map[string]user, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(c.token), nil)
	if err != nil {
		return nil, fmt.Errorf("aloware users api: bad base URL %q: %w", c.base, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s %s: %w", ue.Op, c.redactedURL(), ue.Err)
		}
		return nil, fmt.Errorf("aloware users api: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxUsersBody))
	if err != nil {
		return nil, fmt.Errorf("aloware users api: reading body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("aloware users api: status %d: %s", resp.StatusCode, c.snippet(body))
	}
	// Aloware's SPA answers unknown paths with 200 and its HTML shell, so a
	// 200 alone proves nothing: insist on a JSON content type and an array.
	ct := resp.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil, fmt.Errorf("aloware users api: answered %q, not JSON (wrong --aloware-api-url?)", ct)
	}
	var list []user
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("aloware users api: want a JSON array of users: %w", err)
	}
	users := make(map[string]user, len(list))
	for _, u := range list {
		if u.ID == "" {
			continue
		}
		u.Name, u.Email = strings.TrimSpace(u.Name), strings.TrimSpace(u.Email)
		users[string(u.ID)] = u
	}
	return users, nil
}

// scrub removes the token from any error text, raw or query-escaped. The
// result deliberately does not unwrap: the inner errors still hold it.
func (c *usersClient) scrub(err error) error { return errors.New(c.scrubString(err.Error())) }

func (c *usersClient) scrubString(s string) string {
	for _, t := range []string{c.token, url.QueryEscape(c.token), url.PathEscape(c.token)} {
		if t != "" {
			s = strings.ReplaceAll(s, t, redacted)
		}
	}
	return s
}

// snippet keeps an error body short and on one line (Aloware's 401 text is
// useful to an operator; a whole HTML page is not). It scrubs before cutting
// so a body that echoes the request URL cannot leak half a token.
func (c *usersClient) snippet(b []byte) string {
	s := []rune(strings.Join(strings.Fields(c.scrubString(string(b))), " "))
	if len(s) > 200 {
		return string(s[:200]) + "…"
	}
	return string(s)
}
