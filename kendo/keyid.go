package kendo

import (
	"crypto/sha256"
	"encoding/hex"
)

// KeyID names an API key in logs, metrics and pacing rows without revealing it:
// "key_" + the first 16 hex digits of its SHA-256. Stable across processes and
// replicas, so every replica paces the same key under the same name.
func KeyID(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return "key_" + hex.EncodeToString(sum[:8])
}
