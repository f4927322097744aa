package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
)

const redirectURI = "http://127.0.0.1:9/callback"

// app is a registered third-party app.
type app struct{ id, secret string }

func (e *env) app(owner *hypertube.User, redirects ...string) app {
	e.t.Helper()
	id, secret, err := e.clients.Create(context.Background(), owner.ID, "Couch TV", redirects)
	if err != nil {
		e.t.Fatal(err)
	}
	return app{id, secret}
}

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeQuery(a app, verifier string, change ...string) string {
	q := url.Values{"response_type": {"code"}, "client_id": {a.id}, "redirect_uri": {redirectURI},
		"state": {"st-42"}, "code_challenge": {challengeOf(verifier)}, "code_challenge_method": {"S256"}}
	for i := 0; i < len(change); i += 2 {
		if change[i+1] == "" {
			q.Del(change[i])
		} else {
			q.Set(change[i], change[i+1])
		}
	}
	return q.Encode()
}

// approve walks the consent page as u and returns the redirect's query.
func (e *env) approve(a app, u *hypertube.User, verifier, decision string) url.Values {
	e.t.Helper()
	q, _ := url.ParseQuery(authorizeQuery(a, verifier))
	var kv []string
	for k := range q {
		kv = append(kv, k, q.Get(k))
	}
	kv = append(kv, "csrf", fmt.Sprintf("csrf-%d", u.ID), "decision", decision)
	r := e.do("POST", "/oauth/authorize", session(u), form(kv...)).want(303)
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirectURI+"?") {
		e.t.Fatalf("redirected to %q, want %s?…", r.Header.Get("Location"), redirectURI)
	}
	return loc.Query()
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

func exchange(a app, code, verifier string) option {
	return form("grant_type", "authorization_code", "code", code, "redirect_uri", redirectURI,
		"code_verifier", verifier, "client_id", a.id, "client_secret", a.secret)
}

func TestClientCredentials(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		a := e.app(alice)

		for name, auth := range map[string][]option{
			"basic": {basicAuth(a.id, a.secret), form("grant_type", "client_credentials")},
			"form":  {form("grant_type", "client_credentials", "client_id", a.id, "client_secret", a.secret)},
		} {
			r := e.do("POST", "/oauth/token", auth...).want(200)
			if r.JSON["token_type"] != "Bearer" || fmt.Sprint(r.JSON["expires_in"]) != "3600" || r.JSON["refresh_token"] != nil {
				t.Errorf("%s: token %s", name, r.Body)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: Cache-Control %q", name, r.Header.Get("Cache-Control"))
			}
			// The token acts as the app's owner: it sees her email.
			me := e.do("GET", fmt.Sprintf("/api/users/%d", alice.ID), bearer(r.JSON["access_token"].(string))).want(200)
			if me.JSON["email"] != alice.Email {
				t.Errorf("%s: own account without email: %s", name, me.Body)
			}
		}

		tests := []struct {
			name   string
			opts   []option
			status int
			code   string
		}{
			{"no client", []option{form("grant_type", "client_credentials")}, 401, "invalid_client"},
			{"wrong secret", []option{basicAuth(a.id, a.secret+"x"), form("grant_type", "client_credentials")}, 401, "invalid_client"},
			{"unknown client", []option{basicAuth("htc_nobody", a.secret), form("grant_type", "client_credentials")}, 401, "invalid_client"},
			{"id without secret", []option{form("grant_type", "client_credentials", "client_id", a.id)}, 401, "invalid_client"},
			{"two methods", []option{basicAuth(a.id, a.secret), form("grant_type", "client_credentials", "client_secret", a.secret)}, 400, "invalid_request"},
			{"other client_id", []option{basicAuth(a.id, a.secret), form("grant_type", "client_credentials", "client_id", "htc_x")}, 400, "invalid_request"},
			{"no grant", []option{basicAuth(a.id, a.secret), form()}, 400, "invalid_request"},
			{"unknown grant", []option{basicAuth(a.id, a.secret), form("grant_type", "password")}, 400, "unsupported_grant_type"},
			{"repeated", []option{basicAuth(a.id, a.secret), form("grant_type", "client_credentials", "grant_type", "client_credentials")}, 400, "invalid_request"},
			{"json", []option{basicAuth(a.id, a.secret), jsonBody(map[string]string{"grant_type": "client_credentials"})}, 400, "invalid_request"},
		}
		for _, tt := range tests {
			r := e.do("POST", "/oauth/token", tt.opts...)
			if r.Status != tt.status || r.JSON["error"] != tt.code || r.JSON["error_description"] == "" {
				t.Errorf("%s: %d %s, want %d %s", tt.name, r.Status, r.Body, tt.status, tt.code)
			}
			if tt.status == 401 && r.Header.Get("WWW-Authenticate") != `Basic realm="hypertube"` {
				t.Errorf("%s: WWW-Authenticate %q", tt.name, r.Header.Get("WWW-Authenticate"))
			}
		}

		// Revoking the app ends its tokens and its secret.
		r := e.do("POST", "/oauth/token", basicAuth(a.id, a.secret), form("grant_type", "client_credentials")).want(200)
		live := r.JSON["access_token"].(string)
		if err := e.clients.Revoke(context.Background(), alice.ID, a.id); err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/api/users", bearer(live)).want(401)
		e.do("POST", "/oauth/token", basicAuth(a.id, a.secret), form("grant_type", "client_credentials")).want(401)
	})
}

func TestAuthorizationCode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		a := e.app(alice, redirectURI, "https://couch.example/cb")
		other := e.app(alice, redirectURI)

		// Without a session the person signs in first, then comes back.
		query := authorizeQuery(a, verifier)
		r := e.do("GET", "/oauth/authorize?"+query).want(302)
		if want := "/signin?next=" + url.QueryEscape("/oauth/authorize?"+query); r.Header.Get("Location") != want {
			t.Errorf("Location %q, want %q", r.Header.Get("Location"), want)
		}

		// Unknown apps and unregistered addresses are refused on the page,
		// never by a redirect.
		for _, change := range [][]string{
			{"client_id", "htc_nobody"},
			{"redirect_uri", "https://evil.example/cb"},
			{"redirect_uri", redirectURI + "/more"},
			{"redirect_uri", ""},
		} {
			r := e.do("GET", "/oauth/authorize?"+authorizeQuery(a, verifier, change...), session(bob)).want(400)
			if r.Header.Get("Location") != "" || !strings.Contains(string(r.Body), `id="error"`) {
				t.Errorf("%v: %s", change, r.Body)
			}
		}
		// Other mistakes go back to the app.
		for _, tt := range []struct {
			change []string
			err    string
		}{
			{[]string{"response_type", "token"}, "unsupported_response_type"},
			{[]string{"code_challenge_method", "plain"}, "invalid_request"},
			{[]string{"code_challenge", ""}, "invalid_request"},
			{[]string{"code_challenge", "short"}, "invalid_request"},
		} {
			r := e.do("GET", "/oauth/authorize?"+authorizeQuery(a, verifier, tt.change...), session(bob)).want(303)
			loc, _ := url.Parse(r.Header.Get("Location"))
			if loc.Query().Get("error") != tt.err || loc.Query().Get("state") != "st-42" {
				t.Errorf("%v: redirected to %s", tt.change, loc)
			}
		}

		// The consent page names the app and carries the CSRF token.
		r = e.do("GET", "/oauth/authorize?"+query, session(bob)).want(200)
		page := string(r.Body)
		if !strings.Contains(page, "Authorize Couch TV?") || !strings.Contains(page, fmt.Sprintf(`value="csrf-%d"`, bob.ID)) ||
			!strings.Contains(page, "registered by alice") {
			t.Errorf("consent page:\n%s", page)
		}
		if r.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Error("the consent page can be framed")
		}

		// Posting needs the session and the CSRF token.
		q, _ := url.ParseQuery(query)
		fields := []string{"decision", "approve"}
		for k := range q {
			fields = append(fields, k, q.Get(k))
		}
		e.do("POST", "/oauth/authorize", form(append(fields, "csrf", fmt.Sprintf("csrf-%d", bob.ID))...)).want(401)
		e.do("POST", "/oauth/authorize", session(bob), form(append(fields, "csrf", "forged")...)).want(403)
		e.do("POST", "/oauth/authorize", session(bob), body("application/x-www-form-urlencoded", []byte("%zz"))).want(400)

		// Saying no tells the app.
		denied := e.approve(a, bob, verifier, "deny")
		if denied.Get("error") != "access_denied" || denied.Get("state") != "st-42" || denied.Get("code") != "" {
			t.Errorf("denied: %v", denied)
		}

		// Saying yes gives a code, good once, with the right verifier, for
		// the right app and address.
		code := e.approve(a, bob, verifier, "approve")
		if code.Get("state") != "st-42" || code.Get("code") == "" {
			t.Fatalf("approved: %v", code)
		}
		r = e.do("POST", "/oauth/token", exchange(a, code.Get("code"), verifier)).want(200)
		if r.JSON["refresh_token"] == nil {
			t.Errorf("no refresh token: %s", r.Body)
		}
		me := e.do("GET", fmt.Sprintf("/api/users/%d", bob.ID), bearer(r.JSON["access_token"].(string))).want(200)
		if me.JSON["email"] != bob.Email {
			t.Errorf("the token does not act as Bob, who approved: %s", me.Body)
		}
		r = e.do("POST", "/oauth/token", exchange(a, code.Get("code"), verifier)).want(400)
		if r.JSON["error"] != "invalid_grant" {
			t.Errorf("second use: %s", r.Body)
		}

		bad := []struct {
			name string
			opt  func(code string) option
			err  string
		}{
			{"wrong verifier", func(c string) option { return exchange(a, c, strings.Repeat("x", 43)) }, "invalid_grant"},
			{"other app", func(c string) option { return exchange(other, c, verifier) }, "invalid_grant"},
			{"other address", func(c string) option {
				return form("grant_type", "authorization_code", "code", c, "redirect_uri", "https://couch.example/cb",
					"code_verifier", verifier, "client_id", a.id, "client_secret", a.secret)
			}, "invalid_grant"},
			{"no verifier", func(c string) option {
				return form("grant_type", "authorization_code", "code", c, "redirect_uri", redirectURI, "client_id", a.id, "client_secret", a.secret)
			}, "invalid_request"},
			{"malformed verifier", func(c string) option { return exchange(a, c, "short") }, "invalid_request"},
		}
		for _, tt := range bad {
			c := e.approve(a, bob, verifier, "approve").Get("code")
			r := e.do("POST", "/oauth/token", tt.opt(c)).want(400)
			if r.JSON["error"] != tt.err {
				t.Errorf("%s: %s, want %s", tt.name, r.Body, tt.err)
			}
		}

		// A code lives 60 seconds.
		late := e.approve(a, bob, verifier, "approve").Get("code")
		e.clock.Add(api.CodeLifetime)
		r = e.do("POST", "/oauth/token", exchange(a, late, verifier)).want(400)
		if r.JSON["error"] != "invalid_grant" {
			t.Errorf("expired code: %s", r.Body)
		}
	})
}

func TestRefreshRotation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		a := e.app(alice, redirectURI)
		other := e.app(alice, redirectURI)
		grant := func() (string, string) {
			code := e.approve(a, bob, verifier, "approve").Get("code")
			r := e.do("POST", "/oauth/token", exchange(a, code, verifier)).want(200)
			return r.JSON["access_token"].(string), r.JSON["refresh_token"].(string)
		}
		refresh := func(c app, token string) *response {
			return e.do("POST", "/oauth/token", basicAuth(c.id, c.secret), form("grant_type", "refresh_token", "refresh_token", token))
		}

		access1, refresh1 := grant()
		if r := refresh(other, refresh1).want(400); r.JSON["error"] != "invalid_grant" {
			t.Errorf("another app's refresh: %s", r.Body)
		}
		r := refresh(a, refresh1).want(200)
		access2, refresh2 := r.JSON["access_token"].(string), r.JSON["refresh_token"].(string)
		if refresh2 == "" || refresh2 == refresh1 || access2 == access1 {
			t.Fatalf("rotation gave %s", r.Body)
		}
		e.do("GET", "/api/users", bearer(access1)).want(401)
		e.do("GET", "/api/users", bearer(access2)).want(200)

		// Using the old refresh token again revokes the whole grant.
		if r := refresh(a, refresh1).want(400); r.JSON["error"] != "invalid_grant" {
			t.Errorf("reuse: %s", r.Body)
		}
		e.do("GET", "/api/users", bearer(access2)).want(401)
		refresh(a, refresh2).want(400)

		// Other grants are untouched; refresh tokens die after 30 days.
		access3, refresh3 := grant()
		e.do("GET", "/api/users", bearer(access3)).want(200)
		e.clock.Add(api.RefreshTokenLifetime)
		refresh(a, refresh3).want(400)

		if r := e.do("POST", "/oauth/token", basicAuth(a.id, a.secret), form("grant_type", "refresh_token")).want(400); r.JSON["error"] != "invalid_request" {
			t.Errorf("no refresh token: %s", r.Body)
		}
	})
}

func TestRevoke(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		a := e.app(alice, redirectURI)
		code := e.approve(a, bob, verifier, "approve").Get("code")
		r := e.do("POST", "/oauth/token", exchange(a, code, verifier)).want(200)
		access, refresh := r.JSON["access_token"].(string), r.JSON["refresh_token"].(string)

		// Another app cannot revoke it, and is not told so.
		stranger := e.app(bob)
		e.do("POST", "/oauth/revoke", basicAuth(stranger.id, stranger.secret), form("token", access)).want(200)
		e.do("GET", "/api/users", bearer(access)).want(200)

		e.do("POST", "/oauth/revoke", basicAuth(a.id, a.secret), form("token", refresh, "token_type_hint", "refresh_token")).want(200)
		e.do("GET", "/api/users", bearer(access)).want(401)
		e.do("POST", "/oauth/token", basicAuth(a.id, a.secret), form("grant_type", "refresh_token", "refresh_token", refresh)).want(400)

		e.do("POST", "/oauth/revoke", basicAuth(a.id, a.secret), form("token", "unknown")).want(200)
		if r := e.do("POST", "/oauth/revoke", basicAuth(a.id, a.secret), form()).want(400); r.JSON["error"] != "invalid_request" {
			t.Errorf("no token: %s", r.Body)
		}
		e.do("POST", "/oauth/revoke", form("token", access)).want(401)
	})
}

func TestTokenOfDeletedUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		tok := e.token(alice)
		e.do("GET", "/api/users", bearer(tok)).want(200)
		if err := e.users.DeleteUser(context.Background(), alice.ID); err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/api/users", bearer(tok)).want(401)
	})
}
