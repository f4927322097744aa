package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/api"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/web"
)

// apiSite is a site with the REST API mounted as serve mounts it.
type apiSite struct {
	*site
	oauth *store.OAuthService
}

// lateAPI stands in for the API and the app store in the site's Config:
// both need the site's database and hooks, which exist only once newSite
// has built it.
type lateAPI struct {
	handler http.Handler
	clients *api.Clients
	oauth   *store.OAuthService
}

func (l *lateAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.handler.ServeHTTP(w, r) }
func (l *lateAPI) Create(ctx context.Context, userID int64, name string, uris []string) (string, string, error) {
	return l.clients.Create(ctx, userID, name, uris)
}
func (l *lateAPI) List(ctx context.Context, userID int64) ([]api.Client, error) {
	return l.clients.List(ctx, userID)
}
func (l *lateAPI) Revoke(ctx context.Context, userID int64, clientID string) error {
	return l.clients.Revoke(ctx, userID, clientID)
}
func (l *lateAPI) FindAccessToken(ctx context.Context, hash string, now time.Time) (*store.OAuthToken, error) {
	return l.oauth.FindAccessToken(ctx, hash, now)
}

func newAPISite(t *testing.T) *apiSite {
	t.Helper()
	late := &lateAPI{}
	s := newSite(t, func(c *web.Config) { c.API, c.Apps, c.AccessTokens = late, late, late })
	srv := s.Config.Handler.(*web.Server)
	late.oauth = store.NewOAuthService(s.db)
	late.clients = api.NewClients(late.oauth)
	h, err := api.New(api.Config{
		Users: s.users, Movies: store.NewMovieService(s.db), Comments: store.NewCommentService(s.db), OAuth: late.oauth,
		SessionUser: srv.SessionUser, CSRFToken: srv.CSRFToken, CheckCSRF: srv.CheckCSRF,
		Now: s.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	late.handler = h
	return &apiSite{site: s, oauth: late.oauth}
}

var (
	createdClientID = regexp.MustCompile(`<code id="app-client-id">([^<]+)</code>`)
	createdSecret   = regexp.MustCompile(`<code id="app-secret">([^<]+)</code>`)
)

// createApp fills the profile's app form and returns the client id and
// the secret the next page shows.
func createApp(t *testing.T, b *browser, name, redirectURIs string) (id, secret string) {
	t.Helper()
	b.get(t, "/profile")
	resp, body := b.post(t, "/profile/apps", url.Values{"app_name": {name}, "app_redirect_uris": {redirectURIs}})
	id, secret = firstGroup(createdClientID, body), firstGroup(createdSecret, body)
	if resp.StatusCode != http.StatusOK || id == "" || secret == "" {
		t.Fatalf("create app: status %d, errors %q, id %q, secret shown %v", resp.StatusCode, errorsIn(body), id, secret != "")
	}
	return id, secret
}

func firstGroup(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// token asks the mounted token endpoint for a client-credentials token;
// "" when refused.
func (s *apiSite) token(t *testing.T, id, secret string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	return tok.AccessToken
}

// bearerGet sends a GET with only an access token, as an app would.
func (s *apiSite) bearerGet(t *testing.T, path, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestProfileApps(t *testing.T) {
	s := newAPISite(t)
	if _, body := s.get(t, "/profile"); !strings.Contains(body, `id="apps-none"`) || !strings.Contains(body, `action="/profile/apps"`) {
		t.Fatal("the profile has no empty Apps section with its form")
	}
	id, secret := createApp(t, s.me, "  My Script ", "https://app.example/callback\r\nhttp://127.0.0.1:9000/cb\n\nhttps://app.example/callback\n")
	if !strings.HasPrefix(id, "htc_") || !strings.HasPrefix(secret, "hts_") {
		t.Errorf("client id %q, secret %q", id, secret)
	}

	// The secret works, and is never shown again.
	token := s.token(t, id, secret)
	if token == "" {
		t.Fatal("the secret shown does not get a token")
	}
	if s.token(t, id, secret+"x") != "" {
		t.Error("a wrong secret got a token")
	}
	_, body := s.get(t, "/profile")
	if strings.Contains(body, secret) || strings.Contains(body, `id="app-secret"`) {
		t.Error("the profile shows the secret again")
	}
	for _, want := range []string{`data-client-id="` + id + `"`, ">My Script</h3>", `<code class="app-redirect">https://app.example/callback</code>`,
		`<code class="app-redirect">http://127.0.0.1:9000/cb</code>`, `<time datetime="` + time.Now().UTC().Format("2006-01-02")} {
		if !strings.Contains(body, want) {
			t.Errorf("the app list lacks %s", want)
		}
	}
	if n := strings.Count(body, `class="app-redirect"`); n != 2 {
		t.Errorf("%d redirect URIs listed, want 2 (blank and repeated lines dropped)", n)
	}
	// Someone else sees none of it, and cannot revoke it.
	other := s.signUp(t, "other", "other@example.org", testPassword)
	if _, body := other.get(t, "/profile"); strings.Contains(body, id) {
		t.Error("another user's profile lists the app")
	}
	if resp, _ := other.post(t, "/profile/apps/"+id+"/revoke", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another user revoking: status %d, want 404", resp.StatusCode)
	}
	// Revoking needs the form's token.
	if resp, _ := s.me.post(t, "/profile/apps/"+id+"/revoke", url.Values{"csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without the CSRF token: status %d, want 403", resp.StatusCode)
	}
	if resp := s.bearerGet(t, "/api/movies/1", token); resp.StatusCode != http.StatusOK {
		t.Fatalf("token before revoking: status %d", resp.StatusCode)
	}

	resp, _ := s.me.post(t, "/profile/apps/"+id+"/revoke", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profile?done=appRevoked#apps" {
		t.Fatalf("revoke: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := s.get(t, "/profile?done=appRevoked"); !strings.Contains(body, "The app was revoked") || !strings.Contains(body, `id="apps-none"`) {
		t.Error("after revoking: no notice, or the app is still listed")
	}
	if resp := s.bearerGet(t, "/api/movies/1", token); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token of a revoked app: status %d, want 401", resp.StatusCode)
	}
	if s.token(t, id, secret) != "" {
		t.Error("a revoked app still gets tokens")
	}
}

func TestProfileAppFormRefusals(t *testing.T) {
	s := newAPISite(t)
	tests := []struct {
		name, appName, uris, field, want string
	}{
		{"no name", "  ", "", "app_name", "give the app a name"},
		{"long name", strings.Repeat("é", 101), "", "app_name", "at most 100 characters"},
		{"relative", "A", "/callback", "app_redirect_uris", "not a full address"},
		{"no host", "A", "https:///cb", "app_redirect_uris", "not a full address"},
		{"plain http elsewhere", "A", "https://ok.example/cb\nhttp://app.example/cb", "app_redirect_uris", "“http://app.example/cb” uses http"},
		{"http on a look-alike host", "A", "http://127.0.0.1.evil.example/cb", "app_redirect_uris", "uses http"},
		{"fragment", "A", "https://app.example/cb#x", "app_redirect_uris", "#fragment"},
		{"user info", "A", "https://me:pw@app.example/cb", "app_redirect_uris", "user name or password"},
		{"other scheme", "A", "ftp://app.example/cb", "app_redirect_uris", "must start with https://"},
		{"javascript", "A", "javascript://app.example/%0aalert(1)", "app_redirect_uris", "must start with https://"},
		{"too long", "A", "https://app.example/" + strings.Repeat("a", 2000), "app_redirect_uris", "too long"},
		{"too many", "A", strings.Repeat("https://a.example/x\n", 1) + func() string {
			var b strings.Builder
			for i := range 11 {
				fmt.Fprintf(&b, "https://app.example/%d\n", i)
			}
			return b.String()
		}(), "app_redirect_uris", "at most 10 redirect URIs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.me.get(t, "/profile")
			resp, body := s.me.post(t, "/profile/apps", url.Values{"app_name": {tt.appName}, "app_redirect_uris": {tt.uris}})
			if got := fieldError(body, tt.field); resp.StatusCode != http.StatusBadRequest || !strings.Contains(got, tt.want) {
				t.Errorf("status %d, %s error %q; want 400 with %q", resp.StatusCode, tt.field, got, tt.want)
			}
			if strings.Contains(body, `id="app-secret"`) {
				t.Error("a refused form shows a secret")
			}
			// What the person typed is kept for them to fix.
			if !strings.Contains(body, html.EscapeString(strings.TrimSpace(tt.appName))) {
				t.Error("the form lost the name typed")
			}
		})
	}
	// Loopback http, in every spelling, and https are fine.
	createApp(t, s.me, "Local", "http://localhost:8000/cb\nhttp://127.0.0.1/cb\nhttp://[::1]:5000/cb\nhttps://app.example/cb?x=1")
	if list, _ := api.NewClients(s.oauth).List(t.Context(), mustUser(t, s.site, "tester")); len(list) != 1 || len(list[0].RedirectURIs) != 4 {
		t.Errorf("apps stored = %+v; want only the one accepted, with 4 URIs", list)
	}
	// The French page says it in French.
	s.me.post(t, "/language", url.Values{"lang": {"fr"}})
	s.me.get(t, "/profile")
	if _, body := s.me.post(t, "/profile/apps", url.Values{"app_name": {""}}); !strings.Contains(fieldError(body, "app_name"), "Veuillez donner un nom") {
		t.Errorf("French error = %q", fieldError(body, "app_name"))
	}
}

func mustUser(t *testing.T, s *site, login string) int64 {
	t.Helper()
	u, err := s.users.FindUserByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestPictureForAPIClients: the API gives apps a picture_url on the site;
// an app's bearer token opens it, while strangers still cannot.
func TestPictureForAPIClients(t *testing.T) {
	s := newAPISite(t)
	u, err := s.users.FindUserByLogin(t.Context(), "tester")
	if err != nil {
		t.Fatal(err)
	}
	u.Picture = strings.Repeat("ab", 16) + ".jpg"
	if err := os.MkdirAll(filepath.Join(s.dataDir, "pictures"), 0o755); err != nil {
		t.Fatal(err)
	}
	jpeg := []byte("\xff\xd8\xff\xe0 a site-made picture")
	if err := os.WriteFile(filepath.Join(s.dataDir, "pictures", u.Picture), jpeg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.users.UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/users/%d/picture", u.ID)
	id, secret := createApp(t, s.me, "Pictures", "")
	token := s.token(t, id, secret)

	if resp := s.bearerGet(t, path, token); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("with a token: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := s.bearerGet(t, path, ""); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Errorf("anonymous: status %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, bad := range []string{"made-up", strings.Repeat("x", 600)} {
		if resp := s.bearerGet(t, path, bad); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("token %.10q…: status %d, WWW-Authenticate %q", bad, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// A token is not a session: it opens the picture and nothing else.
	if resp := s.bearerGet(t, "/profile", token); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a token on a page: status %d, want a redirect to sign in", resp.StatusCode)
	}
	// Tokens expire with the site's clock.
	s.clock.Advance(api.AccessTokenLifetime + time.Minute)
	if resp := s.bearerGet(t, path, token); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired token: status %d, want 401", resp.StatusCode)
	}
}

// TestConsentUsesTheSiteSession walks the authorization-code grant with
// PKCE through the mounted API: its consent page knows who is signed in on
// the site and checks the site's CSRF token.
func TestConsentUsesTheSiteSession(t *testing.T) {
	s := newAPISite(t)
	const redirect = "http://127.0.0.1:9/callback"
	id, secret := createApp(t, s.me, "Code app", redirect)
	verifier := strings.Repeat("v", 50)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {id}, "redirect_uri": {redirect}, "state": {"st-1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	authorize := "/oauth/authorize?" + q.Encode()

	// Without a session, the person signs in first and comes back.
	resp, _ := s.newBrowser(t).get(t, authorize)
	signin := "/signin?" + url.Values{"next": {authorize}}.Encode()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != signin {
		t.Fatalf("signed out: status %d to %q", resp.StatusCode, loc)
	}

	resp, body := s.me.get(t, authorize)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<strong>tester</strong>") {
		t.Fatalf("consent page: status %d", resp.StatusCode)
	}
	csrf := firstGroup(regexp.MustCompile(`name="csrf" value="([^"]+)"`), body)
	if csrf == "" {
		t.Fatal("the consent form carries no CSRF token")
	}
	form := url.Values{"decision": {"approve"}}
	for k, v := range q {
		form[k] = v
	}
	// Another site's page cannot approve for them.
	form.Set("csrf", "forged")
	if resp, _ := s.me.do(t, "POST", "/oauth/authorize", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode())); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged CSRF token: status %d, want 403", resp.StatusCode)
	}
	form.Set("csrf", csrf)
	resp, _ = s.me.do(t, "POST", "/oauth/authorize", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode()))
	back, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || back.Host != "127.0.0.1:9" || back.Query().Get("state") != "st-1" {
		t.Fatalf("approve: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {redirect}, "code_verifier": {verifier},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Body.Close()
	var tok struct {
		A string `json:"access_token"`
		R string `json:"refresh_token"`
	}
	json.NewDecoder(tr.Body).Decode(&tok)
	if tr.StatusCode != http.StatusOK || tok.A == "" || tok.R == "" {
		t.Fatalf("code exchange: status %d", tr.StatusCode)
	}
	if resp := s.bearerGet(t, "/api/users/"+fmt.Sprint(mustUser(t, s.site, "tester")), tok.A); resp.StatusCode != http.StatusOK {
		t.Errorf("token from the code: status %d", resp.StatusCode)
	}
}

// TestAPIOutsidePageMiddleware: the API answers in JSON, not with the
// site's sign-in redirects and HTML error pages.
func TestAPIOutsidePageMiddleware(t *testing.T) {
	s := newAPISite(t)
	resp := s.bearerGet(t, "/api/movies/1", "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("API without a token: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp := s.bearerGet(t, "/api/nothing-here", ""); resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("unknown API path: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The token endpoint takes a POST without the site's CSRF token.
	req, _ := http.NewRequest("POST", s.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("htc_unknown", "hts_unknown")
	tr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tr.Body.Close()
	if tr.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(tr.Header.Get("Content-Type"), "application/json") {
		t.Errorf("token endpoint: status %d, type %q", tr.StatusCode, tr.Header.Get("Content-Type"))
	}
}
