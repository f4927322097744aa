// Package api is Hypertube's REST API for third-party apps, under /api, and
// the OAuth2 authorization server that secures it, under /oauth.
package api

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

// Lifetimes of what the OAuth2 server issues.
const (
	AccessTokenLifetime  = time.Hour
	RefreshTokenLifetime = 30 * 24 * time.Hour
	CodeLifetime         = 60 * time.Second
)

// OAuthStore keeps OAuth2 clients, codes and tokens; *store.OAuthService is
// one.
type OAuthStore interface {
	CreateClient(ctx context.Context, c *store.OAuthClient) error
	FindClient(ctx context.Context, clientID string) (*store.OAuthClient, error)
	ListClients(ctx context.Context, userID int64) ([]*store.OAuthClient, error)
	RevokeClient(ctx context.Context, userID int64, clientID string, at time.Time) error
	CreateCode(ctx context.Context, c *store.OAuthCode) error
	ConsumeCode(ctx context.Context, hash string, now time.Time) (*store.OAuthCode, error)
	CreateToken(ctx context.Context, t *store.OAuthToken) error
	FindAccessToken(ctx context.Context, hash string, now time.Time) (*store.OAuthToken, error)
	RotateRefreshToken(ctx context.Context, refreshHash, clientID string, next *store.OAuthToken, now time.Time) error
	RevokeToken(ctx context.Context, hash, clientID string, at time.Time) error
}

var _ OAuthStore = (*store.OAuthService)(nil)

// Engine adds films' torrents; hypertube.Engine is one. When it can also
// Drop(infoHash) error, deleting a film drops its torrent.
type Engine interface {
	AddMagnet(ctx context.Context, uri string) (string, error)
	AddTorrent(ctx context.Context, data []byte) (string, error)
}

// Subtitle is a subtitle track available for a film.
type Subtitle struct {
	Language string `json:"language"` // BCP 47
	Label    string `json:"label"`
}

// Config is what New needs. Users, Movies, Comments and OAuth are required.
type Config struct {
	Users    hypertube.UserService
	Movies   hypertube.MovieService
	Comments hypertube.CommentService
	OAuth    OAuthStore

	// Engine adds films for POST /api/movies; nil answers 503 there.
	Engine Engine
	// Subtitles lists a film's subtitle tracks; nil means none.
	Subtitles func(ctx context.Context, movieID int64) ([]Subtitle, error)
	// CanManageMovies says who may add films; nil lets every signed-in
	// user, as the site's own add form does.
	CanManageMovies func(u *hypertube.User) bool
	// Proxies are the reverse proxies whose X-Forwarded-For names the
	// client, for rate limits; none by default.
	Proxies auth.Proxies
	// CanRemoveMovies says who may remove films, which removes them for
	// everyone; nil lets nobody.
	CanRemoveMovies func(u *hypertube.User) bool

	// The consent page runs inside the web site's session: these hooks,
	// which the web package provides, tell who is signed in and guard its
	// form. Without SessionUser nobody can authorize an app.
	SessionUser func(r *http.Request) (*hypertube.User, bool)
	CSRFToken   func(r *http.Request) string
	CheckCSRF   func(r *http.Request) bool
	// SignInPath is where a visitor without a session is sent, with
	// ?next=…; default "/signin".
	SignInPath string

	// Limiter caps requests per access token (per address without one);
	// nil allows 300 a minute.
	Limiter *auth.Limiter
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// handler holds what every route needs.
type handler struct {
	Config
	log       *slog.Logger
	clients   *Clients
	consent   *template.Template
	docs      []byte // rendered once: the document never changes
	canManage func(u *hypertube.User) bool
	canRemove func(u *hypertube.User) bool
}

// New returns the handler of /api/ and /oauth/.
func New(cfg Config) (http.Handler, error) {
	switch {
	case cfg.Users == nil, cfg.Movies == nil, cfg.Comments == nil, cfg.OAuth == nil:
		return nil, errors.New("api: Users, Movies, Comments and OAuth are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limiter == nil {
		cfg.Limiter = auth.NewLimiter(300, time.Minute)
	}
	if cfg.SignInPath == "" {
		cfg.SignInPath = "/signin"
	}
	h := &handler{Config: cfg, log: cfg.Logger, canManage: cfg.CanManageMovies, canRemove: cfg.CanRemoveMovies}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.canRemove == nil {
		h.canRemove = func(*hypertube.User) bool { return false }
	}
	if h.canManage == nil {
		h.canManage = func(*hypertube.User) bool { return true }
	}
	h.clients = &Clients{store: cfg.OAuth, now: cfg.Now}
	var err error
	if h.consent, err = template.ParseFS(templateFiles, "templates/authorize.html"); err != nil {
		return nil, err
	}
	if h.docs, err = renderDocs(); err != nil {
		return nil, err
	}
	return h.routes(), nil
}
