package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/aloware-kendo/aloware-kendo/kendo"
	"github.com/aloware-kendo/aloware-kendo/schema"
)

var (
	keyPattern = regexp.MustCompile(`^pk_[A-Za-z0-9_\-]{4,}$`)
)

// ingest applies Kendo's rules in the contract's order: size (413), key (401),
// rate (429), then the body (400), else 201. 413/401/429 answers do not count
// toward the rate; 400s and 201s do.
func (e *Emulator) ingest(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, kendo.MaxBodyBytes+1))
	if err != nil {
		e.refuse(w, r, http.StatusBadRequest, "", "could not read the request body: "+err.Error())
		return
	}
	if len(raw) > kendo.MaxBodyBytes {
		e.refuse(w, r, http.StatusRequestEntityTooLarge, "",
			fmt.Sprintf("request body exceeds the 5 MB limit (%d bytes)", kendo.MaxBodyBytes))
		return
	}

	obj, jsonErr := parseObject(raw)
	key := apiKey(r, obj)
	if key == "" {
		e.refuse(w, r, http.StatusUnauthorized, "",
			"missing API key: send X-API-Key: pk_… (or Authorization: Bearer, ?apiKey=, or an apiKey body field)")
		return
	}
	if !e.keyAllowed(key) {
		e.refuse(w, r, http.StatusUnauthorized, "", "invalid API key")
		return
	}
	keyID := kendo.KeyID(key)

	// The body is judged now but answered only after the rate check, which
	// comes first in Kendo's order; a 400 still uses up a slot.
	bodyErr := ""
	if jsonErr != nil {
		bodyErr = jsonErr.Error()
	} else {
		bodyErr = checkBody(obj)
	}

	var call Accepted
	e.mu.Lock()
	now := e.now()
	ok, wait := e.windows.admit(keyID, now)
	if ok && bodyErr == "" {
		// Appended under the same lock as the admission, so arrival order and
		// receivedAt agree.
		call = Accepted{KendoCallID: newCallID(), ReceivedAt: now, KeyID: keyID, Payload: storedPayload(raw, obj)}
		e.calls = append(e.calls, call)
		e.answered[http.StatusCreated]++
	}
	e.mu.Unlock()

	switch {
	case !ok:
		secs := retryAfterSeconds(wait)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		e.refuse(w, r, http.StatusTooManyRequests, keyID, fmt.Sprintf(
			"rate limit exceeded: %s per API key; retry in %d s", e.rate, secs))
	case bodyErr != "":
		e.refuse(w, r, http.StatusBadRequest, keyID, bodyErr)
	default:
		e.log.Info("kendo emulator accepted a call", "status", 201, "callId", call.KendoCallID, "keyId", keyID, "bytes", len(raw))
		writeJSON(w, http.StatusCreated, map[string]string{"callId": call.KendoCallID})
		e.analysed(call)
	}
}

// refuse answers {"error": msg}, counts the status and logs it (by key id only).
func (e *Emulator) refuse(w http.ResponseWriter, r *http.Request, status int, keyID, msg string) {
	e.mu.Lock()
	e.answered[status]++
	e.mu.Unlock()
	e.log.Info("kendo emulator refused a request", "status", status, "keyId", keyID, "path", r.URL.Path, "error", msg)
	writeJSON(w, status, map[string]string{"error": msg})
}

// parseObject decodes the body as one JSON object. A nil error guarantees a
// non-nil map (json.Unmarshal alone would let "null" through as a nil map).
func parseObject(raw []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("malformed JSON: the body is empty")
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	var obj map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &obj) != nil {
		return nil, fmt.Errorf("the body must be a JSON object")
	}
	return obj, nil
}

// apiKey takes the first carrier present, in the order Kendo documents them.
func apiKey(r *http.Request, body map[string]json.RawMessage) string {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k
	}
	if scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "Bearer") {
		if k := strings.TrimSpace(token); k != "" {
			return k
		}
	}
	if k := strings.TrimSpace(r.URL.Query().Get("apiKey")); k != "" {
		return k
	}
	var k string
	_ = json.Unmarshal(body["apiKey"], &k) // absent or not a string: no key
	return strings.TrimSpace(k)
}

func (e *Emulator) keyAllowed(key string) bool {
	if len(e.keys) == 0 {
		return keyPattern.MatchString(key)
	}
	found := false
	for _, k := range e.keys {
		// Constant time out of habit: this is the shape a real check must have.
		found = subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 || found
	}
	return found
}

// checkBody applies Kendo's two content rules. A transcript or audioUrl must
// be a non-empty string, as kendo.Validate requires (Kendo's exact test is
// undocumented).
func checkBody(obj map[string]json.RawMessage) string {
	if str(obj, "transcript") == "" && str(obj, "audioUrl") == "" && str(obj, "audio_url") == "" {
		return "transcript or audioUrl is required"
	}
	for _, f := range []string{"repEmail", "rep_email"} {
		v, present := obj[f]
		if !present || string(v) == "null" {
			continue
		}
		var s string
		// Kendo documents "invalid email" without its rule; the emulator applies the one
		// kendo.Validate applies, so a payload that validates is never refused here for it.
		if json.Unmarshal(v, &s) != nil || !schema.IsEmail(s) {
			return fmt.Sprintf("%s must be a valid email address", f)
		}
	}
	return ""
}

func str(obj map[string]json.RawMessage, field string) string {
	var s string
	_ = json.Unmarshal(obj[field], &s)
	return s
}

// storedPayload keeps the body as received, except that a key sent in the
// body must not reappear at GET /calls.
func storedPayload(raw []byte, obj map[string]json.RawMessage) json.RawMessage {
	if _, ok := obj["apiKey"]; !ok {
		return bytes.Clone(bytes.TrimSpace(raw))
	}
	obj["apiKey"] = json.RawMessage(`"[redacted]"`)
	out, _ := json.Marshal(obj)
	return out
}

// newCallID returns a random UUID v4.
func newCallID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
