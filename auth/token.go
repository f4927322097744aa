package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns 32 random bytes in unpadded base64url: a secret for a
// session cookie or a password-reset link. Store only HashToken of it.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the SHA-256 of tok in lower-case hex. Tokens carry 256
// random bits, so a fast hash is enough: a stolen table of hashes still
// cannot be turned back into working cookies or links.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// NewState returns a fresh OAuth2 state value. The caller keeps it in a
// short-lived cookie and compares it with the one the provider sends back.
func NewState() string { return NewToken() }

// SameState compares two state values in constant time. Empty values never
// match, so a missing cookie cannot be paired with a missing parameter.
func SameState(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
