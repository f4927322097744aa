package auth_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
)

// fakeIssuer is an OpenID Connect issuer: discovery document, JWKS with an
// RSA key made here, and ID tokens signed with it (RS256, written by hand
// so the test does not trust the library it checks).
type fakeIssuer struct {
	*fakeAuthServer
	url string
	key *rsa.PrivateKey

	// claims edits the ID token's claims before signing.
	claims func(c map[string]any)
	// tamper edits the signed token, keeping the signature.
	tamper func(token string) string
	// signWith signs with another key than the published one when set.
	signWith *rsa.PrivateKey
}

// One key for all tests: making RSA keys is slow on a small machine.
var issuerKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func newFakeIssuer(t *testing.T) (*fakeIssuer, *auth.OIDC) {
	f := &fakeIssuer{fakeAuthServer: newFakeAuthServer(t, "/authorize", "/token"), key: issuerKey()}
	mux := http.NewServeMux()
	f.register(mux)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                f.url,
			"authorization_endpoint":                f.url + "/authorize",
			"token_endpoint":                        f.url + "/token",
			"jwks_uri":                              f.url + "/jwks",
			"userinfo_endpoint":                     f.url + "/userinfo",
			"response_types_supported":              []string{"code"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"code_challenge_methods_supported":      []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		pub := f.key.PublicKey
		writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "test-key-1",
			"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
		}}})
	})
	f.extra = func(g grant) map[string]any {
		claims := map[string]any{
			"iss": f.url, "aud": f.clientID, "sub": "248289761001",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
			"nonce": g.nonce, "email": "jane@example.org", "email_verified": true,
			"preferred_username": "jane", "given_name": "Jane", "family_name": "Roe",
			"picture": "https://issuer.example.org/jane.png", "name": "Jane Roe",
		}
		if f.claims != nil {
			f.claims(claims)
		}
		tok := f.sign(claims)
		if f.tamper != nil {
			tok = f.tamper(tok)
		}
		return map[string]any{"id_token": tok, "expires_in": 3600}
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f, auth.NewOIDC(auth.Config{
		ClientID: f.clientID, ClientSecret: f.clientSecret, RedirectURL: redirectURL,
		BaseURL: srv.URL, HTTPClient: srv.Client(),
	})
}

func (f *fakeIssuer) sign(claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "test-key-1"})
	payload, _ := json.Marshal(claims)
	signingInput := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signingInput))
	key := f.key
	if f.signWith != nil {
		key = f.signWith
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signingInput + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestOIDCSignIn(t *testing.T) {
	f, p := newFakeIssuer(t)
	got, err := signIn(t, p)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Profile{
		Subject: "248289761001", Email: "jane@example.org", EmailVerified: true, Username: "jane",
		FirstName: "Jane", LastName: "Roe", PictureURL: "https://issuer.example.org/jane.png",
	}
	if *got != want {
		t.Errorf("profile = %+v\nwant      %+v", *got, want)
	}
	if p.Name() != "oidc" || p.Issuer() != f.url || !strings.HasPrefix(p.Label(), "127.0.0.1:") {
		t.Errorf("Name, Issuer, Label = %q, %q, %q", p.Name(), p.Issuer(), p.Label())
	}
}

func TestGoogleSignIn(t *testing.T) {
	f, _ := newFakeIssuer(t)
	// Google sends email_verified as a JSON boolean, but some issuers send
	// the string "true"; both must read as verified.
	f.claims = func(c map[string]any) { c["email_verified"] = "true"; c["hd"] = "example.org" }
	p := auth.NewGoogle(auth.Config{
		ClientID: f.clientID, ClientSecret: f.clientSecret, RedirectURL: redirectURL,
		BaseURL: f.url, HTTPClient: http.DefaultClient,
	})
	if err := p.Discover(context.Background()); err != nil {
		t.Fatal(err)
	}
	code, verifier := authorize(t, p)
	got, err := p.Exchange(context.Background(), code, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "248289761001" || !got.EmailVerified || p.Name() != "google" || p.Label() != "Google" {
		t.Errorf("profile %+v, name %q, label %q", got, p.Name(), p.Label())
	}
}

func TestOIDCRefusesBadIDTokens(t *testing.T) {
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(f *fakeIssuer)
	}{
		{"payload changed after signing", func(f *fakeIssuer) {
			f.tamper = func(tok string) string {
				parts := strings.Split(tok, ".")
				payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
				payload = []byte(strings.Replace(string(payload), "jane@example.org", "admin@example.org", 1))
				return parts[0] + "." + b64(payload) + "." + parts[2]
			}
		}},
		{"signed by another key", func(f *fakeIssuer) { f.signWith = otherKey }},
		{"algorithm none", func(f *fakeIssuer) {
			f.tamper = func(tok string) string {
				parts := strings.Split(tok, ".")
				return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
			}
		}},
		{"wrong nonce", func(f *fakeIssuer) { f.claims = func(c map[string]any) { c["nonce"] = "someone-elses-nonce" } }},
		{"no nonce", func(f *fakeIssuer) { f.claims = func(c map[string]any) { delete(c, "nonce") } }},
		{"wrong audience", func(f *fakeIssuer) { f.claims = func(c map[string]any) { c["aud"] = "another-site" } }},
		{"wrong issuer", func(f *fakeIssuer) { f.claims = func(c map[string]any) { c["iss"] = "https://evil.example.org" } }},
		{"expired", func(f *fakeIssuer) {
			f.claims = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
		}},
		{"no subject", func(f *fakeIssuer) { f.claims = func(c map[string]any) { c["sub"] = "" } }},
		{"no id_token", func(f *fakeIssuer) { f.tamper = func(string) string { return "" } }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := newFakeIssuer(t)
			tt.edit(f)
			profile, err := signIn(t, p)
			if err == nil {
				t.Fatalf("signed in as %+v; want refused", profile)
			}
			want := hypertube.EUNAUTHORIZED
			if tt.name == "no id_token" { // the provider is broken, not the person
				want = hypertube.EUNAVAILABLE
			}
			if code := hypertube.ErrorCode(err); code != want {
				t.Errorf("error %v: code %q; want %q", err, code, want)
			}
			if msg := hypertube.ErrorMessage(err); !strings.Contains(msg, p.Label()) {
				t.Errorf("message %q does not name the provider", msg)
			}
		})
	}
}

func TestOIDCNonceBoundToVerifier(t *testing.T) {
	// A code obtained in one browser cannot be finished in another, where
	// the verifier and so the expected nonce differ, even at an issuer that
	// forgets to check PKCE.
	f, p := newFakeIssuer(t)
	f.ignorePKCE = true
	code, _ := authorize(t, p)
	_, otherVerifier := authorize(t, p)
	if _, err := p.Exchange(context.Background(), code, otherVerifier); hypertube.ErrorCode(err) != hypertube.EUNAUTHORIZED {
		t.Errorf("exchange with another sign-in's verifier: %v; want EUNAUTHORIZED", err)
	}
}

func TestOIDCDiscoveryDown(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "maintenance", http.StatusInternalServerError)
	}))
	defer down.Close()
	p := auth.NewOIDC(auth.Config{ClientID: "id", ClientSecret: "secret", BaseURL: down.URL, Label: "Acme SSO"})
	if u := p.AuthCodeURL("state", "verifier"); u != "" {
		t.Errorf("AuthCodeURL = %q; want empty while discovery fails", u)
	}
	_, err := p.Exchange(context.Background(), "code", "verifier")
	if hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE || !strings.Contains(hypertube.ErrorMessage(err), "Acme SSO") {
		t.Errorf("Exchange: %v; want EUNAVAILABLE naming Acme SSO", err)
	}
	if err := p.Discover(context.Background()); err == nil {
		t.Error("Discover succeeded against a failing issuer")
	}
}
