// Package oauthtest runs local stand-ins for the sign-in providers — 42,
// GitHub and an OpenID Connect issuer — shaped like the real ones, for
// tests of package auth and of the whole site. Every server listens on
// 127.0.0.1 and stops when its test ends.
package oauthtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/hypertube/hypertube/auth"
)

// Server plays an OAuth2 authorization server the way the real providers
// document it, and checks what a careful client must send: the registered
// redirect URI, the client's credentials, and a PKCE verifier whose S256
// hash is the challenge sent at the start. Its authorize endpoint stands
// for the person approving: it sends the browser straight back with a code.
type Server struct {
	ClientID     string
	ClientSecret string
	AccessToken  string

	// GitHubStyle: the token endpoint wants "Accept: application/json"
	// and reports a bad code with HTTP 200 and an "error" field, as
	// GitHub does.
	GitHubStyle bool
	// IgnorePKCE makes the token endpoint skip the verifier check, as a
	// sloppy provider might.
	IgnorePKCE bool
	// TokenStatus, when set, is the status the token endpoint fails with.
	TokenStatus int
	// Extra adds fields to a successful token response (an id_token).
	Extra func(g Grant) map[string]any

	authPath, tokenPath string

	mu     sync.Mutex
	grants map[string]Grant
}

// Grant is what the authorize endpoint recorded for a code.
type Grant struct {
	Challenge, RedirectURI, Scope, Nonce string
}

// NewServer returns a server whose endpoints are at authPath and tokenPath
// once registered on a mux.
func NewServer(authPath, tokenPath string) *Server {
	return &Server{
		ClientID: "client-id-123", ClientSecret: "client-secret-456",
		AccessToken: "access-" + auth.NewToken(),
		authPath:    authPath, tokenPath: tokenPath, grants: map[string]Grant{},
	}
}

// Register adds the authorize and token endpoints to mux.
func (f *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+f.authPath, f.authorize)
	mux.HandleFunc("POST "+f.tokenPath, f.token)
}

func (f *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("response_type") != "code", q.Get("client_id") != f.ClientID,
		q.Get("redirect_uri") == "", q.Get("state") == "":
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE S256 required", http.StatusBadRequest)
		return
	}
	code := "code-" + auth.NewToken()
	f.mu.Lock()
	f.grants[code] = Grant{
		Challenge: q.Get("code_challenge"), RedirectURI: q.Get("redirect_uri"),
		Scope: q.Get("scope"), Nonce: q.Get("nonce"),
	}
	f.mu.Unlock()
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *Server) token(w http.ResponseWriter, r *http.Request) {
	if f.TokenStatus != 0 {
		http.Error(w, "internal error", f.TokenStatus)
		return
	}
	if f.GitHubStyle && r.Header.Get("Accept") != "application/json" {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.Write([]byte("error=client_wants_form_encoding"))
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != f.ClientID || secret != f.ClientSecret {
		f.fail(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	code := r.PostForm.Get("code")
	f.mu.Lock()
	g, known := f.grants[code]
	delete(f.grants, code) // codes are single-use
	f.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code", !known,
		r.PostForm.Get("redirect_uri") != g.RedirectURI,
		!f.IgnorePKCE && base64.RawURLEncoding.EncodeToString(sum[:]) != g.Challenge:
		f.fail(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	resp := map[string]any{"access_token": f.AccessToken, "token_type": "bearer", "scope": g.Scope}
	if f.Extra != nil {
		for k, v := range f.Extra(g) {
			resp[k] = v
		}
	}
	WriteJSON(w, http.StatusOK, resp)
}

func (f *Server) fail(w http.ResponseWriter, status int, code string) {
	if f.GitHubStyle {
		status = http.StatusOK // GitHub reports token errors in a 200 answer
		code = "bad_verification_code"
	}
	WriteJSON(w, status, map[string]any{"error": code, "error_description": "fake server refused"})
}

// Bearer reports whether r carries the server's access token, answering
// 401 when it does not.
func (f *Server) Bearer(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+f.AccessToken {
		WriteJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return false
	}
	return true
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// config is the provider configuration that reaches srv; the caller sets
// RedirectURL.
func (f *Server) config(srv *httptest.Server) auth.Config {
	return auth.Config{ClientID: f.ClientID, ClientSecret: f.ClientSecret, BaseURL: srv.URL, HTTPClient: srv.Client()}
}

func start(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// FortyTwo starts a fake api.intra.42.fr whose /v2/me is jdoe's, and
// returns the configuration of auth.New42 that uses it, but for the
// RedirectURL.
func FortyTwo(t testing.TB) (*Server, auth.Config) {
	f := NewServer("/oauth/authorize", "/oauth/token")
	mux := http.NewServeMux()
	f.Register(mux)
	mux.HandleFunc("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		if !f.Bearer(w, r) {
			return
		}
		// Trimmed from the documented /v2/me answer.
		WriteJSON(w, http.StatusOK, map[string]any{
			"id": 101766, "login": "jdoe", "email": "jdoe@student.42.fr",
			"first_name": "John", "last_name": "Doe", "usual_full_name": "John Doe",
			"url": "https://api.intra.42.fr/v2/users/jdoe", "staff?": false,
			"image": map[string]any{
				"link":     "https://cdn.intra.42.fr/users/abc/jdoe.jpg",
				"versions": map[string]any{"small": "https://cdn.intra.42.fr/users/abc/small_jdoe.jpg"},
			},
		})
	})
	return f, f.config(start(t, mux))
}

// GitHubEmail is one entry of GitHub's /user/emails.
type GitHubEmail struct {
	Email      string  `json:"email"`
	Primary    bool    `json:"primary"`
	Verified   bool    `json:"verified"`
	Visibility *string `json:"visibility"`
}

// GitHub starts a fake github.com and api.github.com for the user
// octocat with these emails, and returns the configuration of
// auth.NewGitHub that uses them, but for the RedirectURL.
func GitHub(t testing.TB, emails []GitHubEmail) (*Server, auth.Config) {
	f := NewServer("/login/oauth/authorize", "/login/oauth/access_token")
	f.GitHubStyle = true
	site := http.NewServeMux()
	f.Register(site)
	api := http.NewServeMux()
	api.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		if f.Bearer(w, r) {
			WriteJSON(w, http.StatusOK, map[string]any{
				"login": "octocat", "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==",
				"avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
				"type":       "User", "name": "The Octocat", "email": nil,
			})
		}
	})
	api.HandleFunc("GET /user/emails", func(w http.ResponseWriter, r *http.Request) {
		if f.Bearer(w, r) {
			WriteJSON(w, http.StatusOK, emails)
		}
	})
	c := f.config(start(t, site))
	c.APIURL = start(t, api).URL
	return f, c
}
