package auth_test

import (
	"encoding/base64"
	"regexp"
	"testing"

	"github.com/hypertube/hypertube/auth"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := auth.NewToken()
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(b) != 32 {
			t.Fatalf("token %q: %d bytes, %v; want 32 bytes of base64url", tok, len(b), err)
		}
		if seen[tok] {
			t.Fatalf("token %q repeated", tok)
		}
		seen[tok] = true
	}
}

func TestHashToken(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	if got, want := auth.HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashToken(abc) = %s; want %s", got, want)
	}
	tok := auth.NewToken()
	if h := auth.HashToken(tok); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) || h == auth.HashToken(auth.NewToken()) {
		t.Errorf("HashToken(%q) = %q", tok, h)
	}
}

func TestSameState(t *testing.T) {
	s := auth.NewState()
	tests := []struct {
		a, b string
		want bool
	}{
		{s, s, true},
		{s, s[:len(s)-1], false},
		{s, auth.NewState(), false},
		{"", "", false},
		{s, "", false},
	}
	for _, tt := range tests {
		if got := auth.SameState(tt.a, tt.b); got != tt.want {
			t.Errorf("SameState(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
