package auth

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"
)

var errMissingID = errors.New("auth: the provider's profile has no user id")

type gitHub struct {
	oauthFlow
	api string
}

// NewGitHub returns the GitHub provider. GitHub keeps emails apart from the
// profile, each with its own verified flag: the primary one is used.
func NewGitHub(c Config) Provider {
	base := orDefault(c.BaseURL, "https://github.com")
	client := *c.httpClient()
	client.Transport = acceptJSON{next: client.Transport}
	return &gitHub{
		oauthFlow: oauthFlow{
			label:  "GitHub",
			client: &client,
			config: oauth2.Config{
				ClientID:     c.ClientID,
				ClientSecret: c.ClientSecret,
				RedirectURL:  c.RedirectURL,
				Scopes:       []string{"read:user", "user:email"},
				Endpoint: oauth2.Endpoint{
					AuthURL:   base + "/login/oauth/authorize",
					TokenURL:  base + "/login/oauth/access_token",
					AuthStyle: oauth2.AuthStyleInParams,
				},
			},
		},
		api: orDefault(c.APIURL, "https://api.github.com"),
	}
}

// acceptJSON asks for JSON where the request did not say: GitHub's token
// endpoint answers form-encoded text otherwise, and x/oauth2 cannot set it.
type acceptJSON struct{ next http.RoundTripper }

func (t acceptJSON) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Accept") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Accept", "application/json")
	}
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

func (p *gitHub) Name() string  { return "github" }
func (p *gitHub) Label() string { return "GitHub" }

func (p *gitHub) AuthCodeURL(state, verifier string) string {
	return p.authCodeURL(state, verifier)
}

var gitHubAPIHeader = http.Header{
	"Accept":               {"application/vnd.github+json"},
	"X-Github-Api-Version": {"2022-11-28"},
}

func (p *gitHub) Exchange(ctx context.Context, code, verifier string) (*Profile, error) {
	tok, err := p.exchange(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	var user struct {
		ID        int64  `json:"id"`
		Login     string `json:"login"`
		Name      string `json:"name"`
		AvatarURL string `json:"avatar_url"`
	}
	if err := p.getJSON(ctx, tok, p.api+"/user", gitHubAPIHeader, &user); err != nil {
		return nil, err
	}
	if user.ID == 0 {
		return nil, p.failed(errMissingID)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := p.getJSON(ctx, tok, p.api+"/user/emails", gitHubAPIHeader, &emails); err != nil {
		return nil, err
	}
	profile := &Profile{
		Subject:    strconv.FormatInt(user.ID, 10),
		Username:   user.Login,
		PictureURL: user.AvatarURL,
	}
	profile.FirstName, profile.LastName = splitName(user.Name)
	for _, e := range emails {
		if e.Primary {
			profile.Email, profile.EmailVerified = e.Email, e.Verified
			break
		}
	}
	return profile, nil
}
