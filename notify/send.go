package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"time"
)

// Target is where a message goes; each target of a message is its own job, so a
// receiver that is down does not make the other one hear the message twice.
type Target string

const (
	TargetSlack   Target = "slack"
	TargetWebhook Target = "webhook"
)

// Targets are the configured receivers (empty URLs are not configured).
type Targets struct {
	SlackURL   string // Slack-compatible incoming webhook
	WebhookURL string // JSON webhook signed per Standard Webhooks
	Secret     string // whsec_… for WebhookURL
}

// List names the configured targets.
func (t Targets) List() []Target {
	var out []Target
	if t.SlackURL != "" {
		out = append(out, TargetSlack)
	}
	if t.WebhookURL != "" {
		out = append(out, TargetWebhook)
	}
	return out
}

// Enabled: at least one receiver is configured (else nothing is raised at all).
func (t Targets) Enabled() bool { return len(t.List()) > 0 }

// Sender posts messages to the targets.
type Sender struct {
	Targets Targets
	Client  *http.Client
	Now     func() time.Time
}

// sendTimeout bounds one request: a receiver that hangs is retried later, not waited for.
const sendTimeout = 10 * time.Second

// WebhookID is the webhook-id of a message: the same on every retry, so a receiver can
// drop a message it already has.
func WebhookID(m Message) string { return "msg_" + strconv.FormatInt(m.ID, 10) }

// Send posts m to one target; any answer but 2xx is an error (the job retries it).
func (s Sender) Send(ctx context.Context, target Target, m Message) error {
	var (
		url  string
		body []byte
		err  error
	)
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"aloware-kendo-notify"}}
	switch target {
	case TargetSlack:
		url = s.Targets.SlackURL
		body, err = SlackBody(m)
	case TargetWebhook:
		url = s.Targets.WebhookURL
		if body, err = WebhookBody(m); err != nil {
			break
		}
		key, kerr := SecretKey(s.Targets.Secret)
		if kerr != nil {
			return kerr
		}
		now := s.now().Unix()
		header.Set("webhook-id", WebhookID(m))
		header.Set("webhook-timestamp", strconv.FormatInt(now, 10))
		header.Set("webhook-signature", Sign(key, WebhookID(m), now, body))
	default:
		return fmt.Errorf("notify: unknown target %q", target)
	}
	if err != nil {
		return err
	}
	if url == "" {
		return nil // the target was configured when the message was queued, and is no more
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: %s: %w", target, err)
	}
	req.Header = header
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL is a credential (a Slack webhook URL is its own secret): say what
		// failed without it.
		var uerr *neturl.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("notify: %s: %w", target, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: %s answered HTTP %d", target, resp.StatusCode)
	}
	return nil
}

func (s Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
