package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// SecretPrefix starts a Standard Webhooks secret; the rest is the key, base64.
const SecretPrefix = "whsec_"

// ErrBadSecret: the secret is not "whsec_" followed by base64.
var ErrBadSecret = errors.New("notify: the secret must be whsec_ followed by base64 (Standard Webhooks)")

// SecretKey decodes a whsec_ secret into the HMAC key.
func SecretKey(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok || enc == "" {
		return nil, ErrBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil, ErrBadSecret
	}
	return key, nil
}

// Sign is the webhook-signature header of a Standard Webhooks message: "v1," and the
// base64 HMAC-SHA256 of "id.timestamp.body" under the decoded secret.
func Sign(key []byte, webhookID string, unixSeconds int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(webhookID + "." + strconv.FormatInt(unixSeconds, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
