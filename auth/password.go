// Package auth holds what accounts need beyond storage: password hashing and
// strength rules, random tokens, a rate limiter for sign-in attempts, and the
// OAuth2 / OpenID Connect providers people can sign in with.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes. 64 MiB and one pass cost about 50 ms on
// the 2-core server this runs on: slow for an attacker with a stolen table,
// quick enough for a person signing in and for the tests. Two lanes use both
// cores. Old hashes keep the parameters written in them, so these can grow
// later without locking anyone out.
const (
	argonTime    = 1
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds accepted when reading a stored hash, so that a corrupt or planted row
// cannot make the server allocate gigabytes or spin for minutes.
const (
	maxArgonMemory = 1 << 20 // KiB, 1 GiB
	maxArgonTime   = 16
)

// hashSlots caps how many hashes run at once: each holds argonMemory, and a
// burst of sign-ins must not exhaust the server's memory.
var hashSlots = make(chan struct{}, 4)

func argonKey(pw, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey(pw, salt, t, m, p, keyLen)
}

// HashPassword returns pw hashed with argon2id, in the PHC string format
// $argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: password salt: %w", err)
	}
	key := argonKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches hash, comparing in constant time.
// An error means the hash itself is unreadable, never that pw is wrong.
func CheckPassword(hash, pw string) (bool, error) {
	p, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	key := argonKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// NeedsRehash reports whether hash was made with other parameters than the
// current ones, so the caller can store a fresh hash after a good sign-in.
func NeedsRehash(hash string) bool {
	p, err := parsePHC(hash)
	if err != nil {
		return true
	}
	return p.time != argonTime || p.memory != argonMemory || p.threads != argonThreads ||
		len(p.key) != argonKeyLen || len(p.salt) != argonSaltLen
}

type phc struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

var errBadHash = errors.New("auth: stored password hash is not a valid argon2id PHC string")

func parsePHC(s string) (phc, error) {
	var p phc
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, errBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil {
		return p, errBadHash
	}
	if p.time < 1 || p.time > maxArgonTime || threads < 1 || threads > 255 ||
		p.memory < 8*threads || p.memory > maxArgonMemory {
		return p, errBadHash
	}
	p.threads = uint8(threads)
	var err error
	b64 := base64.RawStdEncoding
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, errBadHash
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, errBadHash
	}
	return p, nil
}
