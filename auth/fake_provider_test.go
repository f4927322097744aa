package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube/auth"
	"golang.org/x/oauth2"
)

// fakeAuthServer plays an OAuth2 authorization server the way the real
// providers document it, and checks what a careful client must send: the
// registered redirect URI, the client's credentials, and a PKCE verifier
// whose S256 hash is the challenge sent at the start.
type fakeAuthServer struct {
	t            *testing.T
	clientID     string
	clientSecret string
	authPath     string
	tokenPath    string
	accessToken  string

	// gitHubStyle: the token endpoint wants "Accept: application/json" and
	// reports a bad code with HTTP 200 and an "error" field, as GitHub does.
	gitHubStyle bool
	// ignorePKCE makes the token endpoint skip the verifier check, as a
	// sloppy provider might.
	ignorePKCE bool
	// tokenStatus, when set, is the status the token endpoint fails with.
	tokenStatus int
	// extra adds fields to a successful token response (an id_token).
	extra func(g grant) map[string]any

	mu     sync.Mutex
	grants map[string]grant
}

type grant struct {
	challenge, redirectURI, scope, nonce string
}

func newFakeAuthServer(t *testing.T, authPath, tokenPath string) *fakeAuthServer {
	return &fakeAuthServer{
		t: t, clientID: "client-id-123", clientSecret: "client-secret-456",
		authPath: authPath, tokenPath: tokenPath, accessToken: "access-" + auth.NewToken(),
		grants: map[string]grant{},
	}
}

func (f *fakeAuthServer) register(mux *http.ServeMux) {
	mux.HandleFunc("GET "+f.authPath, f.authorize)
	mux.HandleFunc("POST "+f.tokenPath, f.token)
}

// authorize stands for the person approving at the provider: it records the
// request and sends the browser back with a code.
func (f *fakeAuthServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("response_type") != "code", q.Get("client_id") != f.clientID,
		q.Get("redirect_uri") == "", q.Get("state") == "":
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		http.Error(w, "PKCE S256 required", http.StatusBadRequest)
		return
	}
	code := "code-" + auth.NewToken()
	f.mu.Lock()
	f.grants[code] = grant{
		challenge: q.Get("code_challenge"), redirectURI: q.Get("redirect_uri"),
		scope: q.Get("scope"), nonce: q.Get("nonce"),
	}
	f.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeAuthServer) token(w http.ResponseWriter, r *http.Request) {
	if f.tokenStatus != 0 {
		http.Error(w, "internal error", f.tokenStatus)
		return
	}
	if f.gitHubStyle && r.Header.Get("Accept") != "application/json" {
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
	if id != f.clientID || secret != f.clientSecret {
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
		r.PostForm.Get("redirect_uri") != g.redirectURI,
		!f.ignorePKCE && base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		f.fail(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	resp := map[string]any{"access_token": f.accessToken, "token_type": "bearer", "scope": g.scope}
	if f.extra != nil {
		for k, v := range f.extra(g) {
			resp[k] = v
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (f *fakeAuthServer) fail(w http.ResponseWriter, status int, code string) {
	if f.gitHubStyle {
		status = http.StatusOK // GitHub reports token errors in a 200 answer
		code = "bad_verification_code"
	}
	writeJSON(w, status, map[string]any{"error": code, "error_description": "fake server refused"})
}

// bearer reports whether r carries the server's access token.
func (f *fakeAuthServer) bearer(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+f.accessToken {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

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
