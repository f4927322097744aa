package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/web"
)

func TestSignUpRefusesWithMessagesNextToFields(t *testing.T) {
	s := newSite(t, nil)
	good := url.Values{"email": {"ada@example.org"}, "username": {"ada"}, "first_name": {"Ada"},
		"last_name": {"Lovelace"}, "password": {testPassword}}
	with := func(k, v string) url.Values {
		f := cloneValues(good)
		f.Set(k, v)
		return f
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		field  string
		want   string
	}{
		{"short password", with("password", "Ab1!"), 400, "password", "at least 8 characters"},
		{"common password", with("password", "password"), 400, "password", "too common"},
		{"common password with digits", with("password", "Password123!"), 400, "password", "too common"},
		{"personal password", with("password", "Lovelace-Rocks-99"), 400, "password", "must not contain your name"},
		{"taken username in other case", with("username", "TESTER"), 409, "username", "This username is already taken."},
		{"taken email in other case", with("email", "Tester@Example.ORG"), 409, "email", "An account already uses this email address."},
		{"bad username", with("username", "a b"), 400, "username", "may only use the letters"},
		{"bad email", with("email", "not-an-email"), 400, "email", "such as name@example.com"},
		{"missing first name", with("first_name", ""), 400, "first_name", "enter your first name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := s.newBrowser(t)
			resp, body := b.post(t, "/signup", tt.form)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d; errors %q", resp.StatusCode, tt.status, errorsIn(body))
			}
			if got := fieldError(body, tt.field); !strings.Contains(got, tt.want) {
				t.Errorf("error next to %s = %q, want it to contain %q (all: %q)", tt.field, got, tt.want, errorsIn(body))
			}
			// What was typed is kept, except the password.
			for _, k := range []string{"email", "username", "first_name", "last_name"} {
				if v := tt.form.Get(k); v != "" && !strings.Contains(body, `value="`+html.EscapeString(v)+`"`) {
					t.Errorf("%s %q not kept in the form", k, v)
				}
			}
			if strings.Contains(body, `value="`+html.EscapeString(tt.form.Get("password"))+`"`) {
				t.Error("the password is sent back in the page")
			}
			if b.cookie("hypertube_session") != "" {
				t.Error("a refused sign-up signed the browser in")
			}
		})
	}
}

func TestSignInByUsernameOrEmail(t *testing.T) {
	s := newSite(t, nil)
	for _, login := range []string{"tester", "TESTER", "tester@example.org", "Tester@Example.org"} {
		b, resp, body := s.signIn(t, login, testPassword)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("sign in as %q: status %d, errors %q", login, resp.StatusCode, errorsIn(body))
		}
		if _, body := b.get(t, "/"); !strings.Contains(body, `href="/profile">tester</a>`) {
			t.Errorf("signed in as %q, the header does not show the account", login)
		}
	}
	for _, tt := range []struct{ login, password string }{
		{"tester", "Wrong-Password-123"}, {"nobody", testPassword}, {"", ""},
	} {
		b, resp, body := s.signIn(t, tt.login, tt.password)
		if resp.StatusCode == http.StatusSeeOther || b.cookie("hypertube_session") != "" {
			t.Errorf("sign in %q/%q succeeded", tt.login, tt.password)
		}
		if len(errorsIn(body)) == 0 {
			t.Errorf("sign in %q/%q: no message", tt.login, tt.password)
		}
	}
}

func TestSignInRateLimited(t *testing.T) {
	s := newSite(t, nil)
	var last *http.Response
	var body string
	for range 11 {
		_, last, body = s.signIn(t, "tester", "Wrong-Password-123")
	}
	if last.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many sign-in attempts") {
		t.Fatalf("11th wrong password: status %d, errors %q; want 429 with a message", last.StatusCode, errorsIn(body))
	}
	// The right password is refused too until the window passes.
	if _, resp, _ := s.signIn(t, "tester", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while limited: status %d, want 429", resp.StatusCode)
	}
	s.clock.Advance(20 * time.Minute)
	if _, resp, body := s.signIn(t, "tester", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
}

func TestSignInGoesBackToLocalPagesOnly(t *testing.T) {
	s := newSite(t, nil)
	for next, want := range map[string]string{
		"/movies/1":                  "/movies/1",
		"/users?q=a&page=2":          "/users?q=a&page=2",
		"//evil.example":             "/",
		"//evil.example/movies/1":    "/",
		"https://evil.example/":      "/",
		"/\\evil.example":            "/",
		"javascript:alert(1)":        "/",
		"/%0d%0aSet-Cookie:%20x=y":   "/%0d%0aSet-Cookie:%20x=y",
		"\t//evil.example":           "/",
		"http:evil.example":          "/",
		"/movies/1\r\nLocation: //e": "/",
	} {
		s.clock.Advance(2 * time.Minute) // past the sign-in rate limit
		b := s.newBrowser(t)
		_, page := b.get(t, "/signin?next="+url.QueryEscape(next))
		if want == "/" && !strings.Contains(page, `<input type="hidden" name="next" value="/">`) {
			t.Errorf("next=%q is carried in the sign-in form", next)
		}
		resp, _ := b.post(t, "/signin", url.Values{"login": {"tester"}, "password": {testPassword}, "next": {next}})
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("next=%q: redirected to %q, want %q", next, got, want)
		}
	}
}

func TestCSRFTokenRequired(t *testing.T) {
	s := newSite(t, nil)
	other := s.signUp(t, "other", "other@example.org", testPassword)
	for _, tt := range []struct {
		name  string
		token string
	}{
		{"no token", ""},
		{"garbage", "not-a-token"},
		{"another person's token", other.csrf},
	} {
		for _, path := range []string{"/profile", "/profile/delete", "/profile/signout-everywhere", "/signout", "/language", "/movies"} {
			resp, body := s.me.do(t, "POST", path, map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
				strings.NewReader(url.Values{"csrf": {tt.token}, "first_name": {"Mallory"}, "confirm": {testPassword}, "lang": {"fr"}}.Encode()))
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "did not come from this site") {
				t.Errorf("%s: POST %s: status %d, want 403 with a message", tt.name, path, resp.StatusCode)
			}
		}
	}
	// Nothing changed: still signed in, same name.
	if _, body := s.me.get(t, "/profile"); !strings.Contains(body, `value="First tester"`) {
		t.Error("a POST without a valid token changed the profile or ended the session")
	}
	// A sign-in form without the cookie it was made for is refused too.
	b := s.newBrowser(t)
	resp, _ := b.post(t, "/signin", url.Values{"login": {"tester"}, "password": {testPassword}, "csrf": {other.csrf}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with a token of another browser: status %d, want 403", resp.StatusCode)
	}
	// A cross-origin post is refused before its token is even looked at.
	resp, body := s.me.do(t, "POST", "/profile/delete", map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site",
	}, strings.NewReader(url.Values{"csrf": {s.me.csrf}, "confirm": {testPassword}}.Encode()))
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "came from another site") {
		t.Errorf("cross-origin POST: status %d, want 403", resp.StatusCode)
	}
}

func TestSessionExpiresAndSlides(t *testing.T) {
	s := newSite(t, nil)
	signedIn := func(b *browser) bool {
		resp, _ := b.get(t, "/profile")
		return resp.StatusCode == http.StatusOK
	}
	// Used every 20 days, a session lives on.
	for range 3 {
		s.clock.Advance(20 * 24 * time.Hour)
		if !signedIn(s.me) {
			t.Fatal("a session used every 20 days expired")
		}
	}
	// Left alone for 31 days, it ends.
	s.clock.Advance(31 * 24 * time.Hour)
	resp, _ := s.me.get(t, "/profile")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Fprofile" {
		t.Errorf("expired session: status %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSignOutAndSignOutEverywhere(t *testing.T) {
	s := newSite(t, nil)
	laptop, _, _ := s.signIn(t, "tester", testPassword)
	phone, _, _ := s.signIn(t, "tester", testPassword)
	old := phone.cookie("hypertube_session")

	resp, _ := phone.post(t, "/signout", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || phone.cookie("hypertube_session") != "" {
		t.Fatalf("sign out: status %d, cookie %q", resp.StatusCode, phone.cookie("hypertube_session"))
	}
	// The old token is dead on the server, not only forgotten by the browser.
	replay := s.newBrowser(t)
	replay.client.Jar.SetCookies(mustURL(t, s.URL), []*http.Cookie{{Name: "hypertube_session", Value: old}})
	if resp, _ := replay.get(t, "/profile"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out token still works: status %d", resp.StatusCode)
	}

	resp, body := s.me.post(t, "/profile/signout-everywhere", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: status %d %q", resp.StatusCode, errorsIn(body))
	}
	if resp, _ := laptop.get(t, "/profile"); resp.StatusCode != http.StatusSeeOther {
		t.Error("another browser is still signed in after sign-out everywhere")
	}
	if resp, body := s.me.get(t, "/profile?done=sessions"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Every other browser was signed out") {
		t.Errorf("the browser that asked was signed out too (status %d)", resp.StatusCode)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Behind a trusted reverse proxy the sign-in limit counts each client that
// X-Forwarded-For names; from anyone else the header is ignored.
func TestSignInLimitPerForwardedClient(t *testing.T) {
	attempt := func(t *testing.T, s *site, b *browser, client string, i int) int {
		form := url.Values{"login": {fmt.Sprintf("nobody%d", i)}, "password": {"Wrong-Password-123"}, "csrf": {b.csrf}}
		resp, _ := b.do(t, http.MethodPost, "/signin", map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": client,
		}, strings.NewReader(form.Encode()))
		return resp.StatusCode
	}
	for _, tt := range []struct {
		name    string
		proxies string
		other   int // the status of another client's first attempt
	}{
		{"trusted proxy", "127.0.0.1, ::1", http.StatusUnauthorized},
		{"no proxy trusted", "", http.StatusTooManyRequests},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proxies, err := auth.ParseProxies(tt.proxies)
			if err != nil {
				t.Fatal(err)
			}
			s := newSite(t, func(c *web.Config) { c.Proxies = proxies })
			b := s.newBrowser(t)
			b.get(t, "/signin")
			for i := range 50 {
				if code := attempt(t, s, b, "198.51.100.1", i); code == http.StatusTooManyRequests {
					t.Fatalf("attempt %d already limited", i+1)
				}
			}
			if code := attempt(t, s, b, "198.51.100.1", 50); code != http.StatusTooManyRequests {
				t.Fatalf("51st attempt from one client: status %d, want 429", code)
			}
			if code := attempt(t, s, b, "198.51.100.2", 51); code != tt.other {
				t.Errorf("another client's first attempt: status %d, want %d", code, tt.other)
			}
		})
	}
}
