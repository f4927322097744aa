package auth

import (
	"context"
	"strconv"

	"golang.org/x/oauth2"
)

type fortyTwo struct {
	oauthFlow
	api string
}

// New42 returns the 42 intra provider (https://api.intra.42.fr). 42 only
// lets students with a checked school address in, so its email counts as
// verified.
func New42(c Config) Provider {
	base := orDefault(c.BaseURL, "https://api.intra.42.fr")
	return &fortyTwo{
		oauthFlow: oauthFlow{
			label:  "42",
			client: c.httpClient(),
			config: oauth2.Config{
				ClientID:     c.ClientID,
				ClientSecret: c.ClientSecret,
				RedirectURL:  c.RedirectURL,
				Scopes:       []string{"public"},
				Endpoint: oauth2.Endpoint{
					AuthURL:   base + "/oauth/authorize",
					TokenURL:  base + "/oauth/token",
					AuthStyle: oauth2.AuthStyleInParams,
				},
			},
		},
		api: base,
	}
}

func (p *fortyTwo) Name() string  { return "42" }
func (p *fortyTwo) Label() string { return "42" }

func (p *fortyTwo) AuthCodeURL(state, verifier string) string {
	return p.authCodeURL(state, verifier)
}

func (p *fortyTwo) Exchange(ctx context.Context, code, verifier string) (*Profile, error) {
	tok, err := p.exchange(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	var me struct {
		ID        int64  `json:"id"`
		Login     string `json:"login"`
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Image     struct {
			Link string `json:"link"`
		} `json:"image"`
	}
	if err := p.getJSON(ctx, tok, p.api+"/v2/me", nil, &me); err != nil {
		return nil, err
	}
	if me.ID == 0 {
		return nil, p.failed(errMissingID)
	}
	return &Profile{
		Subject:       strconv.FormatInt(me.ID, 10),
		Email:         me.Email,
		EmailVerified: me.Email != "",
		Username:      me.Login,
		FirstName:     me.FirstName,
		LastName:      me.LastName,
		PictureURL:    me.Image.Link,
	}, nil
}
