package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/internal/oauthtest"
)

// newFakeIssuer starts an OpenID Connect issuer (internal/oauthtest).
func newFakeIssuer(t *testing.T) (*oauthtest.Issuer, *auth.OIDC) {
	f, c := oauthtest.NewIssuer(t)
	c.RedirectURL = redirectURL
	return f, auth.NewOIDC(c)
}

var b64 = oauthtest.B64

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
	if p.Name() != "oidc" || p.Issuer() != f.URL || !strings.HasPrefix(p.Label(), "127.0.0.1:") {
		t.Errorf("Name, Issuer, Label = %q, %q, %q", p.Name(), p.Issuer(), p.Label())
	}
}

func TestGoogleSignIn(t *testing.T) {
	f, _ := newFakeIssuer(t)
	// Google sends email_verified as a JSON boolean, but some issuers send
	// the string "true"; both must read as verified.
	f.Claims = func(c map[string]any) { c["email_verified"] = "true"; c["hd"] = "example.org" }
	p := auth.NewGoogle(auth.Config{
		ClientID: f.ClientID, ClientSecret: f.ClientSecret, RedirectURL: redirectURL,
		BaseURL: f.URL, HTTPClient: http.DefaultClient,
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
		edit func(f *oauthtest.Issuer)
	}{
		{"payload changed after signing", func(f *oauthtest.Issuer) {
			f.Tamper = func(tok string) string {
				parts := strings.Split(tok, ".")
				payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
				payload = []byte(strings.Replace(string(payload), "jane@example.org", "admin@example.org", 1))
				return parts[0] + "." + b64(payload) + "." + parts[2]
			}
		}},
		{"signed by another key", func(f *oauthtest.Issuer) { f.SignWith = otherKey }},
		{"algorithm none", func(f *oauthtest.Issuer) {
			f.Tamper = func(tok string) string {
				parts := strings.Split(tok, ".")
				return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
			}
		}},
		{"wrong nonce", func(f *oauthtest.Issuer) { f.Claims = func(c map[string]any) { c["nonce"] = "someone-elses-nonce" } }},
		{"no nonce", func(f *oauthtest.Issuer) { f.Claims = func(c map[string]any) { delete(c, "nonce") } }},
		{"wrong audience", func(f *oauthtest.Issuer) { f.Claims = func(c map[string]any) { c["aud"] = "another-site" } }},
		{"wrong issuer", func(f *oauthtest.Issuer) { f.Claims = func(c map[string]any) { c["iss"] = "https://evil.example.org" } }},
		{"expired", func(f *oauthtest.Issuer) {
			f.Claims = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }
		}},
		{"no subject", func(f *oauthtest.Issuer) { f.Claims = func(c map[string]any) { c["sub"] = "" } }},
		{"no id_token", func(f *oauthtest.Issuer) { f.Tamper = func(string) string { return "" } }},
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
	f.IgnorePKCE = true
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
