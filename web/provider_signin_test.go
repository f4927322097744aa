package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/internal/oauthtest"
	"github.com/hypertube/hypertube/web"
)

// newProvidersSite is a site whose sign-in buttons are the real 42, GitHub
// and OIDC providers of package auth, pointed at local fakes shaped like
// the real services (internal/oauthtest).
func newProvidersSite(t *testing.T) (*site, *oauthtest.Issuer) {
	t.Helper()
	public := "public"
	_, fortyTwo := oauthtest.FortyTwo(t)
	_, gitHub := oauthtest.GitHub(t, []oauthtest.GitHubEmail{
		{Email: "old@example.org", Verified: true},
		{Email: "octocat@github.com", Primary: true, Verified: true, Visibility: &public},
	})
	issuer, oidc := oauthtest.NewIssuer(t)
	oidc.Label = "Keycloak"
	s := newSite(t, func(c *web.Config) {
		for _, cfg := range []*auth.Config{&fortyTwo, &gitHub, &oidc} {
			cfg.RedirectURL = c.BaseURL + "/auth/{name}/callback"
		}
		fortyTwo.RedirectURL = strings.Replace(fortyTwo.RedirectURL, "{name}", "42", 1)
		gitHub.RedirectURL = strings.Replace(gitHub.RedirectURL, "{name}", "github", 1)
		oidc.RedirectURL = strings.Replace(oidc.RedirectURL, "{name}", "oidc", 1)
		c.Providers = []auth.Provider{auth.New42(fortyTwo), auth.NewGitHub(gitHub), auth.NewOIDC(oidc)}
	})
	return s, issuer
}

// atProvider follows the site's sign-in button to the provider, which
// approves at once, and returns the callback URL the provider sends the
// browser back to.
func atProvider(t *testing.T, b *browser, provider, next string) *url.URL {
	t.Helper()
	resp, _ := b.get(t, "/auth/"+provider+"/start?next="+url.QueryEscape(next))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s start: status %d", provider, resp.StatusCode)
	}
	// The provider is another site: the browser goes there without the
	// site's cookies.
	out := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := out.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || back.Query().Get("code") == "" {
		t.Fatalf("%s authorize: status %d to %q", provider, res.StatusCode, res.Header.Get("Location"))
	}
	if want := b.s.URL + "/auth/" + provider + "/callback"; back.Scheme+"://"+back.Host+back.Path != want {
		t.Fatalf("%s sends back to %s; want %s", provider, back, want)
	}
	return back
}

func TestProviderSignIn(t *testing.T) {
	s, _ := newProvidersSite(t)
	if _, body := s.newBrowser(t).get(t, "/signin"); !strings.Contains(body, `href="/auth/42/start"`) ||
		!strings.Contains(body, `href="/auth/github/start"`) || !strings.Contains(body, "Sign in with Keycloak") {
		t.Fatal("the sign-in page lacks a provider's button")
	}
	tests := []struct {
		provider, next, username, email, first string
	}{
		{"42", "/movies/1", "jdoe", "jdoe@student.42.fr", "John"},
		{"github", "/users", "octocat", "octocat@github.com", "The"},
		{"oidc", "/", "jane", "jane@example.org", "Jane"},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			b := s.newBrowser(t)
			back := atProvider(t, b, tt.provider, tt.next)
			resp, body := b.get(t, back.RequestURI())
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.next {
				t.Fatalf("callback: status %d to %q; errors %q", resp.StatusCode, resp.Header.Get("Location"), errorsIn(body))
			}
			if _, body := b.get(t, "/"); !strings.Contains(body, `href="/profile">`+tt.username+`</a>`) {
				t.Fatalf("not signed in as %s", tt.username)
			}
			u, err := s.users.FindUserByLogin(t.Context(), tt.username)
			if err != nil || u.Email != tt.email || u.FirstName != tt.first || u.PasswordHash != "" {
				t.Errorf("account = %+v (%v)", u, err)
			}
			// The next sign-in finds the same account.
			again := s.newBrowser(t)
			again.get(t, atProvider(t, again, tt.provider, "/").RequestURI())
			if _, body := again.get(t, "/"); !strings.Contains(body, `href="/profile">`+tt.username+`</a>`) {
				t.Errorf("second sign-in is not as %s", tt.username)
			}
		})
	}
	if _, n, _ := s.users.FindUsers(t.Context(), hypertubeUserFilter()); n != 4 {
		t.Errorf("%d accounts; want tester and one per provider", n)
	}
}

func TestProviderSignInRefusesWrongState(t *testing.T) {
	s, _ := newProvidersSite(t)
	for _, provider := range []string{"42", "github", "oidc"} {
		t.Run(provider, func(t *testing.T) {
			b := s.newBrowser(t)
			// A state changed on the way, or left out.
			for _, state := range []string{"forged-state", ""} {
				back := atProvider(t, b, provider, "/")
				q := back.Query()
				q.Set("state", state)
				back.RawQuery = q.Encode()
				resp, body := b.get(t, back.RequestURI())
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "did not start here") || b.cookie("hypertube_session") != "" {
					t.Errorf("state %q: status %d, signed in %v", state, resp.StatusCode, b.cookie("hypertube_session") != "")
				}
			}
			// A genuine callback in another browser: an attacker pushing
			// their own sign-in on a victim (login CSRF).
			back := atProvider(t, b, provider, "/")
			victim := s.newBrowser(t)
			if resp, _ := victim.get(t, back.RequestURI()); resp.StatusCode != http.StatusBadRequest || victim.cookie("hypertube_session") != "" {
				t.Errorf("callback in another browser: status %d", resp.StatusCode)
			}
			// The state is single use: after a refusal the real browser
			// must start again, and then it works.
			if resp, _ := b.get(t, back.RequestURI()); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("genuine callback: status %d", resp.StatusCode)
			}
			if resp, _ := b.get(t, back.RequestURI()); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("the same callback twice: status %d", resp.StatusCode)
			}
		})
	}
}

// TestOIDCBadIDTokenRefused: an ID token for another audience signs no
// one in, with the site's error page.
func TestOIDCBadIDTokenRefused(t *testing.T) {
	s, issuer := newProvidersSite(t)
	issuer.Claims = func(c map[string]any) { c["aud"] = "another-site" }
	b := s.newBrowser(t)
	resp, body := b.get(t, atProvider(t, b, "oidc", "/").RequestURI())
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "Keycloak") || b.cookie("hypertube_session") != "" {
		t.Errorf("bad ID token: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
}
