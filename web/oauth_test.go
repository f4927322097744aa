package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/web"
)

// fakeProvider hands out the profile registered for each code, and checks
// that the callback sends back the PKCE verifier the start made.
type fakeProvider struct {
	mu        sync.Mutex
	profiles  map[string]*auth.Profile
	verifiers map[string]bool
}

func (p *fakeProvider) Name() string  { return "fake" }
func (p *fakeProvider) Label() string { return "Fake ID" }

func (p *fakeProvider) AuthCodeURL(state, verifier string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.verifiers[verifier] = true
	return "http://127.0.0.1:1/authorize?state=" + url.QueryEscape(state)
}

func (p *fakeProvider) Exchange(_ context.Context, code, verifier string) (*auth.Profile, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.verifiers[verifier] {
		return nil, errors.New("PKCE verifier does not match")
	}
	prof, ok := p.profiles[code]
	if !ok {
		return nil, errors.New("bad code")
	}
	return prof, nil
}

func newOAuthSite(t *testing.T) (*site, *fakeProvider) {
	p := &fakeProvider{profiles: map[string]*auth.Profile{}, verifiers: map[string]bool{}}
	s := newSite(t, func(c *web.Config) { c.Providers = []auth.Provider{p} })
	return s, p
}

// startOAuth follows the sign-in button and returns the state sent to the
// provider.
func startOAuth(t *testing.T, b *browser, next string) string {
	t.Helper()
	resp, _ := b.get(t, "/auth/fake/start?next="+url.QueryEscape(next))
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Host != "127.0.0.1:1" {
		t.Fatalf("start: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("state")
}

func TestOAuthSignIn(t *testing.T) {
	s, p := newOAuthSite(t)
	p.profiles["new"] = &auth.Profile{Subject: "1001", Email: "neo@example.org", EmailVerified: true, Username: "neo", FirstName: "Thomas", LastName: "Anderson"}
	p.profiles["taken"] = &auth.Profile{Subject: "1002", Email: "other@example.org", Username: "tester"}
	p.profiles["same-email"] = &auth.Profile{Subject: "1003", Email: "TESTER@example.org", EmailVerified: true, Username: "whatever"}
	p.profiles["unverified"] = &auth.Profile{Subject: "1004", Email: "tester@example.org", EmailVerified: false, Username: "sneaky"}

	// The sign-in page offers the provider.
	b := s.newBrowser(t)
	if _, body := b.get(t, "/signin"); !strings.Contains(body, `href="/auth/fake/start"`) || !strings.Contains(body, "Sign in with Fake ID") {
		t.Error("no button for the provider")
	}

	// A wrong or missing state is refused, and signs no one in.
	state := startOAuth(t, b, "/")
	for _, bad := range []string{"", "forged", state + "x"} {
		resp, body := b.get(t, "/auth/fake/callback?code=new&state="+url.QueryEscape(bad))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "did not start here") || b.cookie("hypertube_session") != "" {
			t.Errorf("state %q: status %d", bad, resp.StatusCode)
		}
		state = startOAuth(t, b, "/")
	}
	// Another browser's state is not this one's.
	mallory := s.newBrowser(t)
	if resp, _ := mallory.get(t, "/auth/fake/callback?code=new&state="+url.QueryEscape(state)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("state replayed in another browser: status %d", resp.StatusCode)
	}

	// A first sign-in makes an account and goes where the person was going.
	state = startOAuth(t, b, "/movies/1")
	resp, _ := b.get(t, "/auth/fake/callback?code=new&state="+url.QueryEscape(state))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/movies/1" {
		t.Fatalf("callback: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	neo, err := s.users.FindUserByLogin(t.Context(), "neo")
	if err != nil || neo.Email != "neo@example.org" || neo.FirstName != "Thomas" || neo.PasswordHash != "" {
		t.Fatalf("account made = %+v (%v)", neo, err)
	}
	// The state is single use.
	if resp, _ := b.get(t, "/auth/fake/callback?code=new&state="+url.QueryEscape(state)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("state used twice: status %d", resp.StatusCode)
	}
	// Signing in again finds the same account.
	again := s.newBrowser(t)
	state = startOAuth(t, again, "/")
	again.get(t, "/auth/fake/callback?code=new&state="+url.QueryEscape(state))
	if _, body := again.get(t, "/"); !strings.Contains(body, `href="/profile">neo</a>`) {
		t.Error("second sign-in is not as neo")
	}
	if _, n, _ := s.users.FindUsers(t.Context(), hypertubeUserFilter()); n != 2 {
		t.Errorf("%d accounts, want tester and neo", n)
	}

	// A verified email of an existing account links to it.
	c := s.newBrowser(t)
	state = startOAuth(t, c, "/")
	c.get(t, "/auth/fake/callback?code=same-email&state="+url.QueryEscape(state))
	if _, body := c.get(t, "/"); !strings.Contains(body, `href="/profile">tester</a>`) {
		t.Error("a verified matching email did not sign in to the existing account")
	}

	// An unverified one does not: the address is someone else's.
	d := s.newBrowser(t)
	state = startOAuth(t, d, "/")
	resp, body := d.get(t, "/auth/fake/callback?code=unverified&state="+url.QueryEscape(state))
	if resp.StatusCode != http.StatusOK || !strings.Contains(fieldError(body, "email"), "already uses this email") || d.cookie("hypertube_session") != "" {
		t.Errorf("unverified email of another account: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}

	// A taken username: the person chooses another.
	e := s.newBrowser(t)
	state = startOAuth(t, e, "/users")
	resp, body = e.get(t, "/auth/fake/callback?code=taken&state="+url.QueryEscape(state))
	if resp.StatusCode != http.StatusOK || !strings.Contains(fieldError(body, "username"), "already taken") {
		t.Fatalf("taken username: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
	resp, body = e.post(t, "/auth/choose", url.Values{"username": {"tester"}, "email": {"other@example.org"}})
	if !strings.Contains(fieldError(body, "username"), "already taken") {
		t.Errorf("choosing a taken name again: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
	resp, _ = e.post(t, "/auth/choose", url.Values{"username": {"trinity"}, "email": {"other@example.org"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/users" {
		t.Fatalf("choose: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := e.get(t, "/"); !strings.Contains(body, `href="/profile">trinity</a>`) {
		t.Error("not signed in as the chosen name")
	}
	// Without the pending identity's cookie, the choice page has nothing.
	if resp, _ := s.newBrowser(t).get(t, "/auth/choose"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("choose without a pending sign-in: status %d", resp.StatusCode)
	}
	// An account with no password confirms deletion with its username.
	e.get(t, "/profile")
	if resp, body := e.post(t, "/profile/delete", url.Values{"confirm": {"trinity"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("delete an OAuth account: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
}

func TestOAuthUnknownProviderAndRefusal(t *testing.T) {
	s, _ := newOAuthSite(t)
	b := s.newBrowser(t)
	if resp, _ := b.get(t, "/auth/nope/start"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown provider: status %d", resp.StatusCode)
	}
	state := startOAuth(t, b, "/")
	resp, body := b.get(t, "/auth/fake/callback?error=access_denied&state="+url.QueryEscape(state))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "did not let you sign in") {
		t.Errorf("refused at the provider: status %d", resp.StatusCode)
	}
	state = startOAuth(t, b, "/")
	if resp, _ := b.get(t, "/auth/fake/callback?code=unknown&state="+url.QueryEscape(state)); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("failed exchange: status %d", resp.StatusCode)
	}
}
