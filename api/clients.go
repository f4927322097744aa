package api

import (
	"context"
	"crypto/subtle"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

// Client is a third-party app as its owner sees it on their profile.
type Client struct {
	ClientID     string
	Name         string
	RedirectURIs []string
	CreatedAt    time.Time
}

// Clients manages the apps users register on their profile page.
type Clients struct {
	store OAuthStore
	now   func() time.Time
}

// NewClients returns the client manager the profile page uses.
func NewClients(s OAuthStore) *Clients { return &Clients{store: s, now: time.Now} }

// Create registers an app for userID and returns its id and secret. Only a
// hash of the secret is kept: show it to the person once. An app without
// redirect URIs can use the client-credentials grant only.
func (c *Clients) Create(ctx context.Context, userID int64, name string, redirectURIs []string) (clientID, secret string, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", "", hypertube.Errorf(hypertube.EINVALID, "Please give the app a name.")
	}
	var uris []string
	seen := map[string]bool{}
	for _, u := range redirectURIs {
		u = strings.TrimSpace(u)
		if u == "" || seen[u] {
			continue
		}
		if err := checkRedirectURI(u); err != nil {
			return "", "", err
		}
		seen[u] = true
		uris = append(uris, u)
	}
	clientID = "htc_" + auth.NewToken()[:22]
	secret = "hts_" + auth.NewToken()
	err = c.store.CreateClient(ctx, &store.OAuthClient{
		ClientID: clientID, SecretHash: auth.HashToken(secret), UserID: userID, Name: name, RedirectURIs: uris,
	})
	if err != nil {
		return "", "", err
	}
	return clientID, secret, nil
}

// List returns userID's apps, oldest first.
func (c *Clients) List(ctx context.Context, userID int64) ([]Client, error) {
	list, err := c.store.ListClients(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Client, 0, len(list))
	for _, cl := range list {
		out = append(out, Client{ClientID: cl.ClientID, Name: cl.Name, RedirectURIs: cl.RedirectURIs, CreatedAt: cl.CreatedAt})
	}
	return out, nil
}

// Revoke ends an app of userID and every token it holds. Another user's app
// is ENOTFOUND.
func (c *Clients) Revoke(ctx context.Context, userID int64, clientID string) error {
	return c.store.RevokeClient(ctx, userID, clientID, c.now())
}

// authenticate returns the client whose id and secret these are.
func (c *Clients) authenticate(ctx context.Context, clientID, secret string) (*store.OAuthClient, bool) {
	if clientID == "" || secret == "" || len(clientID) > 64 || len(secret) > 256 {
		return nil, false
	}
	cl, err := c.store.FindClient(ctx, clientID)
	if err != nil {
		return nil, false
	}
	return cl, subtle.ConstantTimeCompare([]byte(auth.HashToken(secret)), []byte(cl.SecretHash)) == 1
}

// checkRedirectURI accepts what RFC 8252 and the OAuth 2.0 Security BCP
// allow: https, http on the loopback interface only, and an app's private
// scheme (reverse domain, so with a dot); never a fragment.
func checkRedirectURI(s string) error {
	bad := func(why string) error {
		return hypertube.Errorf(hypertube.EINVALID, "The redirect URI %q cannot be used: %s", s, why)
	}
	if len(s) > 2000 {
		return bad("it is longer than 2000 characters.")
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return bad("it is not an absolute URL.")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return bad("it must not have a #fragment.")
	}
	if u.User != nil {
		return bad("it must not hold a user name or password.")
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "https":
		if u.Host == "" {
			return bad("it has no host.")
		}
	case scheme == "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return bad("http is only allowed for localhost; use https.")
		}
	case strings.Contains(scheme, "."):
		// com.example.app:/callback
	default:
		return bad("use https, http://127.0.0.1 or a private scheme such as com.example.app:/callback.")
	}
	return nil
}
