package oauthtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube/auth"
)

// Issuer is an OpenID Connect issuer: discovery document, JWKS with an RSA
// key made here, and ID tokens for jane signed with it (RS256, written by
// hand so that tests do not trust the library they check).
type Issuer struct {
	*Server
	URL string
	Key *rsa.PrivateKey

	// Claims edits the ID token's claims before signing.
	Claims func(c map[string]any)
	// Tamper edits the signed token, keeping the signature.
	Tamper func(token string) string
	// SignWith signs with another key than the published one when set.
	SignWith *rsa.PrivateKey
}

// One key for every issuer: making RSA keys is slow on a small machine.
var issuerKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// NewIssuer starts an issuer and returns the configuration of auth.NewOIDC
// that uses it, but for the RedirectURL.
func NewIssuer(t testing.TB) (*Issuer, auth.Config) {
	f := &Issuer{Server: NewServer("/authorize", "/token"), Key: issuerKey()}
	mux := http.NewServeMux()
	f.Register(mux)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{
			"issuer":                                f.URL,
			"authorization_endpoint":                f.URL + "/authorize",
			"token_endpoint":                        f.URL + "/token",
			"jwks_uri":                              f.URL + "/jwks",
			"userinfo_endpoint":                     f.URL + "/userinfo",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported":      []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		pub := f.Key.PublicKey
		WriteJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "test-key-1",
			"n": B64(pub.N.Bytes()), "e": B64(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	f.Extra = func(g Grant) map[string]any {
		claims := map[string]any{
			"iss": f.URL, "aud": f.ClientID, "sub": "248289761001",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
			"nonce": g.Nonce, "email": "jane@example.org", "email_verified": true,
			"preferred_username": "jane", "given_name": "Jane", "family_name": "Roe",
			"picture": "https://issuer.example.org/jane.png", "name": "Jane Roe",
		}
		if f.Claims != nil {
			f.Claims(claims)
		}
		tok := f.Sign(claims)
		if f.Tamper != nil {
			tok = f.Tamper(tok)
		}
		return map[string]any{"id_token": tok, "expires_in": 3600}
	}
	srv := start(t, mux)
	f.URL = srv.URL
	return f, f.config(srv)
}

// Sign makes an RS256 JWT of claims with the issuer's key, or SignWith.
func (f *Issuer) Sign(claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "test-key-1"})
	payload, _ := json.Marshal(claims)
	signingInput := B64(header) + "." + B64(payload)
	sum := sha256.Sum256([]byte(signingInput))
	key := f.Key
	if f.SignWith != nil {
		key = f.SignWith
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signingInput + "." + B64(sig)
}

// B64 is base64url without padding, as JWTs use.
func B64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
