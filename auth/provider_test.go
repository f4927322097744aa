package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/internal/oauthtest"
	"golang.org/x/oauth2"
)

const redirectURL = "http://127.0.0.1:8080/auth/test/callback"

// new42 starts a fake api.intra.42.fr answering like the real one.
func new42(t *testing.T) (*oauthtest.Server, auth.Provider) {
	f, c := oauthtest.FortyTwo(t)
	c.RedirectURL = redirectURL
	return f, auth.New42(c)
}

type gitHubEmail = oauthtest.GitHubEmail

// newGitHub starts a fake github.com and api.github.com.
func newGitHub(t *testing.T, emails []gitHubEmail) (*oauthtest.Server, auth.Provider) {
	f, c := oauthtest.GitHub(t, emails)
	c.RedirectURL = redirectURL
	return f, auth.NewGitHub(c)
}

func Test42SignIn(t *testing.T) {
	_, p := new42(t)
	got, err := signIn(t, p)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Profile{
		Subject: "101766", Email: "jdoe@student.42.fr", EmailVerified: true, Username: "jdoe",
		FirstName: "John", LastName: "Doe", PictureURL: "https://cdn.intra.42.fr/users/abc/jdoe.jpg",
	}
	if *got != want {
		t.Errorf("profile = %+v\nwant      %+v", *got, want)
	}
	if p.Name() != "42" || p.Label() != "42" {
		t.Errorf("Name, Label = %q, %q", p.Name(), p.Label())
	}
}

func TestGitHubSignIn(t *testing.T) {
	public := "public"
	tests := []struct {
		name         string
		emails       []gitHubEmail
		wantEmail    string
		wantVerified bool
	}{
		{"primary verified", []gitHubEmail{
			{Email: "old@example.org", Verified: true},
			{Email: "octocat@github.com", Primary: true, Verified: true, Visibility: &public},
		}, "octocat@github.com", true},
		{"primary not verified", []gitHubEmail{
			{Email: "octocat@example.org", Primary: true, Verified: false},
			{Email: "other@example.org", Verified: true},
		}, "octocat@example.org", false},
		{"no email at all", []gitHubEmail{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := newGitHub(t, tt.emails)
			got, err := signIn(t, p)
			if err != nil {
				t.Fatal(err)
			}
			want := auth.Profile{
				Subject: "583231", Email: tt.wantEmail, EmailVerified: tt.wantVerified, Username: "octocat",
				FirstName: "The", LastName: "Octocat", PictureURL: "https://avatars.githubusercontent.com/u/583231?v=4",
			}
			if *got != want {
				t.Errorf("profile = %+v\nwant      %+v", *got, want)
			}
		})
	}
}

func TestAuthCodeURL(t *testing.T) {
	_, fortyTwo := new42(t)
	_, gitHub := newGitHub(t, nil)
	tests := []struct {
		p         auth.Provider
		wantPath  string
		wantScope string
	}{
		{fortyTwo, "/oauth/authorize", "public"},
		{gitHub, "/login/oauth/authorize", "read:user user:email"},
	}
	for _, tt := range tests {
		verifier := oauth2.GenerateVerifier()
		u, err := url.Parse(tt.p.AuthCodeURL("the-state", verifier))
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Path != tt.wantPath || q.Get("scope") != tt.wantScope || q.Get("state") != "the-state" ||
			q.Get("redirect_uri") != redirectURL || q.Get("client_id") != "client-id-123" ||
			q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) {
			t.Errorf("%s: AuthCodeURL = %s", tt.p.Name(), u)
		}
		if strings.Contains(u.String(), "client-secret") {
			t.Errorf("%s: AuthCodeURL leaks the client secret: %s", tt.p.Name(), u)
		}
	}
}

func TestExchangeFailures(t *testing.T) {
	type setup func(t *testing.T) (*oauthtest.Server, auth.Provider)
	providers := map[string]setup{
		"42":     new42,
		"github": func(t *testing.T) (*oauthtest.Server, auth.Provider) { return newGitHub(t, nil) },
		"oidc": func(t *testing.T) (*oauthtest.Server, auth.Provider) {
			f, p := newFakeIssuer(t)
			return f.Server, p
		},
	}
	tests := []struct {
		name     string
		run      func(t *testing.T, f *oauthtest.Server, p auth.Provider) error
		wantCode string
		wantText string
	}{
		{"wrong PKCE verifier", func(t *testing.T, f *oauthtest.Server, p auth.Provider) error {
			code, _ := authorize(t, p)
			_, err := p.Exchange(context.Background(), code, oauth2.GenerateVerifier())
			return err
		}, hypertube.EUNAUTHORIZED, "failed or took too long"},
		{"code used twice", func(t *testing.T, f *oauthtest.Server, p auth.Provider) error {
			code, verifier := authorize(t, p)
			if _, err := p.Exchange(context.Background(), code, verifier); err != nil {
				t.Fatalf("first exchange: %v", err)
			}
			_, err := p.Exchange(context.Background(), code, verifier)
			return err
		}, hypertube.EUNAUTHORIZED, "failed or took too long"},
		{"empty code", func(t *testing.T, f *oauthtest.Server, p auth.Provider) error {
			_, err := p.Exchange(context.Background(), "", oauth2.GenerateVerifier())
			return err
		}, hypertube.EINVALID, "did not send back a sign-in code"},
		{"provider answers 500", func(t *testing.T, f *oauthtest.Server, p auth.Provider) error {
			code, verifier := authorize(t, p)
			f.TokenStatus = http.StatusInternalServerError
			_, err := p.Exchange(context.Background(), code, verifier)
			return err
		}, hypertube.EUNAVAILABLE, "is not answering properly right now"},
		{"wrong client secret", func(t *testing.T, f *oauthtest.Server, p auth.Provider) error {
			f.ClientSecret = "rotated"
			_, err := signIn(t, p)
			return err
		}, hypertube.EUNAUTHORIZED, "failed or took too long"},
	}
	for name, newProvider := range providers {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				f, p := newProvider(t)
				err := tt.run(t, f, p)
				if code := hypertube.ErrorCode(err); code != tt.wantCode {
					t.Fatalf("error %v: code %q; want %q", err, code, tt.wantCode)
				}
				msg := hypertube.ErrorMessage(err)
				if !strings.Contains(msg, tt.wantText) || !strings.Contains(msg, p.Label()) {
					t.Errorf("message %q; want it to name %q and say %q", msg, p.Label(), tt.wantText)
				}
			})
		}
	}
}

func TestProfileEndpointDown(t *testing.T) {
	f := oauthtest.NewServer("/oauth/authorize", "/oauth/token")
	mux := http.NewServeMux()
	f.Register(mux)
	mux.HandleFunc("GET /v2/me", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream timeout", http.StatusBadGateway)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p := auth.New42(auth.Config{ClientID: f.ClientID, ClientSecret: f.ClientSecret,
		RedirectURL: redirectURL, BaseURL: srv.URL, HTTPClient: srv.Client()})
	_, err := signIn(t, p)
	if hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE {
		t.Errorf("err = %v; want EUNAVAILABLE", err)
	}
	if !strings.Contains(err.Error(), "502") {
		t.Errorf("err = %v; want the status kept for the logs", err)
	}
}

func TestProvidersFromEnv(t *testing.T) {
	issuer, _ := newFakeIssuer(t)
	env := map[string]string{
		"HYPERTUBE_42_CLIENT_ID":         "u-42",
		"HYPERTUBE_42_CLIENT_SECRET":     "s-42",
		"HYPERTUBE_GITHUB_CLIENT_ID":     "gh-id",
		"HYPERTUBE_GITHUB_CLIENT_SECRET": "gh-secret",
		"HYPERTUBE_GOOGLE_CLIENT_ID":     "only-an-id", // no secret: left off
		"HYPERTUBE_OIDC_ISSUER":          issuer.URL,
		"HYPERTUBE_OIDC_CLIENT_ID":       "client-id-123",
		"HYPERTUBE_OIDC_CLIENT_SECRET":   "client-secret-456",
		"HYPERTUBE_OIDC_NAME":            "Keycloak",
	}
	ps := auth.ProvidersFromEnv(func(k string) string { return env[k] }, "https://tube.example.org/")
	var got []string
	for _, p := range ps {
		got = append(got, p.Name()+"="+p.Label())
		u, err := url.Parse(p.AuthCodeURL("s", oauth2.GenerateVerifier()))
		if err != nil {
			t.Fatal(err)
		}
		if want := "https://tube.example.org/auth/" + p.Name() + "/callback"; u.Query().Get("redirect_uri") != want {
			t.Errorf("%s: redirect_uri = %q; want %q", p.Name(), u.Query().Get("redirect_uri"), want)
		}
	}
	if strings.Join(got, " ") != "42=42 github=GitHub oidc=Keycloak" {
		t.Errorf("providers = %v", got)
	}

	env["HYPERTUBE_GOOGLE_CLIENT_SECRET"] = "g-secret"
	ps = auth.ProvidersFromEnv(func(k string) string { return env[k] }, "https://tube.example.org")
	if len(ps) != 4 || ps[2].Name() != "google" || ps[2].Label() != "Google" ||
		ps[2].(*auth.OIDC).Issuer() != "https://accounts.google.com" {
		t.Errorf("with Google's secret set: %d providers, third %s", len(ps), ps[2].Name())
	}
	if ps := auth.ProvidersFromEnv(func(string) string { return "" }, ""); len(ps) != 0 {
		t.Errorf("empty environment gave %d providers", len(ps))
	}
}
