package notify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/aloware-kendo/aloware-kendo/notify"
)

// verify is an independent reading of the Standard Webhooks spec: the signed content is
// "id.timestamp.body", the key is the base64 after "whsec_", the header holds
// space-separated "v1,<base64>" signatures of which one must match.
func verify(secret, id, timestamp string, body []byte, header string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%s.%s", id, timestamp, body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(header) {
		version, enc, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(enc)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

func TestSignMatchesTheStandardWebhooksSpec(t *testing.T) {
	tests := []struct {
		name, secret, id string
		ts               int64
		body, want       string
	}{
		// The example of the spec's reference libraries (standard-webhooks/standard-webhooks).
		{"reference vector", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
			`{"test": 2432232314}`, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
		{"our message", "whsec_" + base64.StdEncoding.EncodeToString([]byte("a key of our own")), "msg_42", 1800000000,
			`{"type":"calls.failed","timestamp":"2027-01-15T08:00:00Z","data":{}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := notify.SecretKey(tt.secret)
			if err != nil {
				t.Fatal(err)
			}
			got := notify.Sign(key, tt.id, tt.ts, []byte(tt.body))
			if tt.want != "" && got != tt.want {
				t.Errorf("Sign = %s, want %s", got, tt.want)
			}
			if !verify(tt.secret, tt.id, fmt.Sprint(tt.ts), []byte(tt.body), got) {
				t.Errorf("an independent verifier refuses %s", got)
			}
			if verify(tt.secret, tt.id, fmt.Sprint(tt.ts+1), []byte(tt.body), got) {
				t.Error("the signature does not cover the timestamp")
			}
		})
	}
}

func TestSecretKeyRefusesWhatIsNotAStandardSecret(t *testing.T) {
	for _, s := range []string{"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!"} {
		if _, err := notify.SecretKey(s); err == nil {
			t.Errorf("SecretKey(%q) accepted", s)
		}
	}
}
