package auth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/auth"
	"golang.org/x/oauth2"
)

// The fake providers themselves are in internal/oauthtest, which the web
// package's tests share.

// signIn drives a provider through the whole flow as a browser would:
// follow AuthCodeURL, come back with a code, exchange it.
func signIn(t *testing.T, p auth.Provider) (*auth.Profile, error) {
	t.Helper()
	code, verifier := authorize(t, p)
	return p.Exchange(context.Background(), code, verifier)
}

func authorize(t *testing.T, p auth.Provider) (code, verifier string) {
	t.Helper()
	state, verifier := auth.NewState(), oauth2.GenerateVerifier()
	u := p.AuthCodeURL(state, verifier)
	if u == "" {
		t.Fatal("AuthCodeURL returned nothing")
	}
	if strings.Contains(u, verifier) {
		t.Fatalf("AuthCodeURL %s reveals the PKCE verifier", u)
	}
	browser := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s: %s; want a redirect back", u, resp.Status)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !auth.SameState(back.Query().Get("state"), state) {
		t.Fatalf("state came back as %q; want %q", back.Query().Get("state"), state)
	}
	return back.Query().Get("code"), verifier
}
