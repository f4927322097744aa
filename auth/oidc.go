package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/hypertube/hypertube"
	"golang.org/x/oauth2"
)

// OIDC is an OpenID Connect provider found by discovery: its endpoints come
// from the issuer's /.well-known/openid-configuration, and each ID token's
// signature is checked against the issuer's published keys (JWKS), along
// with issuer, audience, expiry and nonce.
type OIDC struct {
	oauthFlow
	name   string
	issuer string

	mu       sync.Mutex
	provider *oidc.Provider // nil until discovery succeeds
}

// NewGoogle returns Google's sign-in, an OIDC issuer at
// https://accounts.google.com.
func NewGoogle(c Config) *OIDC {
	c.BaseURL = orDefault(c.BaseURL, "https://accounts.google.com")
	c.Name, c.Label = "google", "Google"
	return NewOIDC(c)
}

// NewOIDC returns a provider for the OIDC issuer at c.BaseURL. Discovery is
// done on first use, and retried until it succeeds, so a provider that is
// down at start-up does not stop the server.
func NewOIDC(c Config) *OIDC {
	issuer := c.BaseURL
	name := orDefault(c.Name, "oidc")
	label := c.Label
	if label == "" {
		label = issuer
		if u, err := url.Parse(issuer); err == nil && u.Host != "" {
			label = u.Host
		}
	}
	return &OIDC{
		oauthFlow: oauthFlow{
			label:  label,
			client: c.httpClient(),
			config: oauth2.Config{
				ClientID:     c.ClientID,
				ClientSecret: c.ClientSecret,
				RedirectURL:  c.RedirectURL,
				Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
			},
		},
		name:   name,
		issuer: issuer,
	}
}

func (p *OIDC) Name() string  { return p.name }
func (p *OIDC) Label() string { return p.label }

// Issuer is the issuer URL, the stable name of this provider for
// hypertube.Identity.Provider.
func (p *OIDC) Issuer() string { return p.issuer }

// Discover fetches the issuer's configuration unless that was done already.
// Calling it at start-up reports a wrong issuer URL early.
func (p *OIDC) Discover(ctx context.Context) error {
	_, err := p.discover(ctx)
	return err
}

func (p *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.issuer)
	if err != nil {
		return nil, p.failed(fmt.Errorf("auth: OIDC discovery at %s: %w", p.issuer, err))
	}
	p.provider = prov
	p.config.Endpoint = prov.Endpoint()
	return prov, nil
}

// AuthCodeURL returns "" when the issuer cannot be discovered; the error is
// logged, and the caller should tell the person to try later.
func (p *OIDC) AuthCodeURL(state, verifier string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.discover(ctx); err != nil {
		slog.Warn("sign-in provider unreachable", "provider", p.name, "err", err)
		return ""
	}
	return p.authCodeURL(state, verifier, oidc.Nonce(nonceFor(verifier)))
}

// nonceFor derives the ID token nonce from the PKCE verifier, which the
// caller already keeps secret in the person's browser for this one sign-in:
// binding both to it means a token issued for another browser is refused
// without a third cookie. The hash reveals nothing about the verifier.
func nonceFor(verifier string) string {
	sum := sha256.Sum256([]byte("hypertube oidc nonce\x00" + verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var errNoIDToken = errors.New("auth: the token response has no id_token")

func (p *OIDC) Exchange(ctx context.Context, code, verifier string) (*Profile, error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := p.exchange(ctx, code, verifier)
	if err != nil {
		return nil, err
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, p.failed(errNoIDToken)
	}
	verifierCtx := oidc.ClientContext(ctx, p.client)
	idToken, err := prov.VerifierContext(verifierCtx, &oidc.Config{ClientID: p.config.ClientID}).Verify(verifierCtx, raw)
	if err != nil {
		return nil, p.refused(err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(nonceFor(verifier))) != 1 {
		return nil, p.refused(errors.New("auth: ID token nonce does not match this sign-in"))
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, p.refused(err)
		}
	}
	var claims struct {
		Subject           string    `json:"sub"`
		Email             string    `json:"email"`
		EmailVerified     looseBool `json:"email_verified"`
		PreferredUsername string    `json:"preferred_username"`
		GivenName         string    `json:"given_name"`
		FamilyName        string    `json:"family_name"`
		Picture           string    `json:"picture"`
	}
	if err := idToken.Claims(&claims); err != nil {
		return nil, p.refused(err)
	}
	if claims.Subject == "" {
		return nil, p.refused(errMissingID)
	}
	return &Profile{
		Subject:       claims.Subject,
		Email:         claims.Email,
		EmailVerified: bool(claims.EmailVerified),
		Username:      claims.PreferredUsername,
		FirstName:     claims.GivenName,
		LastName:      claims.FamilyName,
		PictureURL:    claims.Picture,
	}, nil
}

// refused reports an ID token that failed a check: forged, meant for
// another site, expired, or replayed into another browser.
func (p *OIDC) refused(err error) error {
	return fmt.Errorf("%w (%v)", hypertube.Errorf(hypertube.EUNAUTHORIZED,
		"The answer from %s could not be verified, so you were not signed in. Please try again.", p.label), err)
}

// looseBool reads email_verified, which some issuers send as "true".
type looseBool bool

func (b *looseBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = looseBool(v)
	case string:
		*b = v == "true"
	}
	return nil
}
