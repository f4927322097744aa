package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"golang.org/x/oauth2"
)

// Provider is a place people can sign in with: OAuth2 with PKCE, ending in
// a Profile. The caller keeps state and verifier in short-lived cookies
// between AuthCodeURL and Exchange.
type Provider interface {
	// Name is the provider's URL-safe id: "42", "github", "google", "oidc".
	Name() string
	// Label is what the sign-in button says: "42", "GitHub", "Google", ….
	Label() string
	// AuthCodeURL is where to send the browser. verifier comes from
	// oauth2.GenerateVerifier; only its S256 challenge leaves the server
	// here. "" means the provider cannot be reached right now.
	AuthCodeURL(state, verifier string) string
	// Exchange trades the code from the callback for the person's profile.
	Exchange(ctx context.Context, code, verifier string) (*Profile, error)
}

// Profile is what a provider tells about the person who signed in.
type Profile struct {
	Subject       string // the provider's stable id for the person
	Email         string
	EmailVerified bool
	Username      string
	FirstName     string
	LastName      string
	PictureURL    string
}

// Config sets up one provider. Only ClientID, ClientSecret and RedirectURL
// are needed in production; the URLs are there so tests can point a
// provider at a local fake.
type Config struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string

	// BaseURL replaces where the provider lives: https://api.intra.42.fr
	// for 42, https://github.com for GitHub, the issuer for OIDC and Google.
	BaseURL string
	// APIURL replaces https://api.github.com (GitHub only).
	APIURL string

	// Name and Label describe a generic OIDC provider ("oidc", the issuer's
	// host name when empty); the others have fixed ones.
	Name  string
	Label string

	// HTTPClient makes every request to the provider; nil means one with a
	// 15-second timeout so a hung provider cannot hold a request forever.
	HTTPClient *http.Client
}

func (c Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// ProvidersFromEnv returns the providers whose client id and secret are set
// in the environment, in a fixed order: 42, GitHub, Google, then a generic
// OIDC issuer. Each one's callback is redirectBase + "/auth/<name>/callback".
func ProvidersFromEnv(getenv func(string) string, redirectBase string) []Provider {
	redirectBase = strings.TrimRight(redirectBase, "/")
	client := func(prefix, name string) (Config, bool) {
		c := Config{
			ClientID:     strings.TrimSpace(getenv(prefix + "_CLIENT_ID")),
			ClientSecret: strings.TrimSpace(getenv(prefix + "_CLIENT_SECRET")),
			RedirectURL:  redirectBase + "/auth/" + name + "/callback",
		}
		switch {
		case c.ClientID != "" && c.ClientSecret != "":
			return c, true
		case c.ClientID != "" || c.ClientSecret != "":
			slog.Warn("sign-in provider needs both a client id and a secret; left off", "provider", name,
				"id", prefix+"_CLIENT_ID", "secret", prefix+"_CLIENT_SECRET")
		}
		return c, false
	}
	var ps []Provider
	if c, ok := client("HYPERTUBE_42", "42"); ok {
		ps = append(ps, New42(c))
	}
	if c, ok := client("HYPERTUBE_GITHUB", "github"); ok {
		ps = append(ps, NewGitHub(c))
	}
	if c, ok := client("HYPERTUBE_GOOGLE", "google"); ok {
		ps = append(ps, NewGoogle(c))
	}
	if issuer := strings.TrimSpace(getenv("HYPERTUBE_OIDC_ISSUER")); issuer != "" {
		if c, ok := client("HYPERTUBE_OIDC", "oidc"); ok {
			c.BaseURL = issuer
			c.Label = strings.TrimSpace(getenv("HYPERTUBE_OIDC_NAME"))
			ps = append(ps, NewOIDC(c))
		}
	}
	return ps
}

// oauthFlow is the part every provider shares: the authorization-code flow
// with PKCE, and mapping the provider's failures to messages for people.
type oauthFlow struct {
	label  string
	config oauth2.Config
	client *http.Client
}

func (f *oauthFlow) authCodeURL(state, verifier string, opts ...oauth2.AuthCodeOption) string {
	opts = append(opts, oauth2.S256ChallengeOption(verifier))
	return f.config.AuthCodeURL(state, opts...)
}

func (f *oauthFlow) exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	if code == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID,
			"%s did not send back a sign-in code. Please try again.", f.label)
	}
	tok, err := f.config.Exchange(f.context(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, f.failed(err)
	}
	return tok, nil
}

// context hands the provider's HTTP client to x/oauth2 and go-oidc, which
// both take it from the context.
func (f *oauthFlow) context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, f.client)
}

// getJSON fetches an API resource with the access token into v.
func (f *oauthFlow) getJSON(ctx context.Context, tok *oauth2.Token, url string, header http.Header, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("auth: %s profile request: %w", f.label, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	tok.SetAuthHeader(req)
	resp, err := f.client.Do(req)
	if err != nil {
		return f.failed(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return f.failed(err)
	}
	if resp.StatusCode != http.StatusOK {
		return f.failed(&httpStatusError{url: url, status: resp.StatusCode, body: body})
	}
	if err := json.Unmarshal(body, v); err != nil {
		return f.failed(fmt.Errorf("auth: %s answered %s with something other than the expected JSON: %w", f.label, url, err))
	}
	return nil
}

type httpStatusError struct {
	url    string
	status int
	body   []byte
}

func (e *httpStatusError) Error() string {
	return fmt.Sprintf("auth: GET %s: HTTP %d: %.200s", e.url, e.status, e.body)
}

// failed turns a provider failure into an error whose message a person can
// act on; the details stay in the error string for the logs.
func (f *oauthFlow) failed(err error) error {
	var domain *hypertube.Error
	if errors.As(err, &domain) {
		return err
	}
	status := 0
	var re *oauth2.RetrieveError
	var se *httpStatusError
	switch {
	case errors.As(err, &re):
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.ErrorCode != "" && status < 500 {
			// invalid_grant, bad_verification_code…: the code expired, was
			// used twice, or the PKCE verifier did not match.
			status = http.StatusBadRequest
		}
	case errors.As(err, &se):
		status = se.status
	}
	if status >= 400 && status < 500 {
		return fmt.Errorf("%w (%v)", hypertube.Errorf(hypertube.EUNAUTHORIZED,
			"Signing in with %s failed or took too long. Please try again.", f.label), err)
	}
	return fmt.Errorf("%w (%v)", hypertube.Errorf(hypertube.EUNAVAILABLE,
		"%s is not answering properly right now. Please try again in a few minutes.", f.label), err)
}

func splitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	first, last, _ = strings.Cut(full, " ")
	return first, last
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return strings.TrimRight(s, "/")
}
