// Package web is the server-rendered site: accounts, the film grid, the film
// page with its player, people's profiles, and the small JSON/SSE endpoints
// the pages' scripts use.
package web

import (
	"context"
	"crypto/rand"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/i18n"
	"github.com/hypertube/hypertube/mail"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/subtitles"
)

// ResetService keeps password-reset tokens (store.ResetService).
type ResetService interface {
	CreateResetToken(ctx context.Context, userID int64, tokenHash string, expires time.Time) error
	// ConsumeResetToken returns the token's user and makes it unusable;
	// ENOTFOUND for an unknown, used or expired token.
	ConsumeResetToken(ctx context.Context, tokenHash string, now time.Time) (int64, error)
}

// WatchService remembers who watched what (store.WatchService).
type WatchService interface {
	RecordWatch(ctx context.Context, userID, movieID int64, position, duration float64, at time.Time) error
	ListWatched(ctx context.Context, userID int64, limit int) ([]store.Watch, error)
	FindWatch(ctx context.Context, userID, movieID int64) (store.Watch, error)
}

// Config is what the site needs from the rest of the program.
type Config struct {
	Movies   hypertube.MovieService
	Engine   hypertube.Engine
	Users    hypertube.UserService
	Sessions hypertube.SessionService
	Resets   ResetService
	Watches  WatchService
	Mailer   mail.Mailer
	Catalog  *i18n.Catalog // nil → i18n.Load()
	// Providers are the OAuth/OIDC sign-in buttons, in order.
	Providers []auth.Provider
	// BaseURL is how people reach the site (reset links in mails); no
	// trailing slash.
	BaseURL string
	// SecureCookies marks cookies Secure; set it when BaseURL is https.
	SecureCookies bool
	// Proxies are the reverse proxies whose X-Forwarded-For names the
	// client, for rate limits and the sessions list; none by default.
	Proxies auth.Proxies
	// Secret signs CSRF tokens and short-lived cookies. Empty means a random
	// one per process, so forms open across a restart are refused once.
	Secret []byte

	Tracker http.Handler // optional, mounted at GET /announce and GET /scrape
	// DataDir holds local files of demo films and profile pictures; a poster
	// outside it is never served.
	DataDir string
	Logger  *slog.Logger
	// FirstByteTimeout bounds how long a stream request waits for the
	// torrent's metadata and first bytes before answering 504.
	FirstByteTimeout time.Duration
	// Now is the clock; nil means time.Now. Tests move it forward.
	Now func() time.Time

	// Media runs the conversions of films browsers cannot play as they
	// are; nil means one with at most 4 at once.
	Media *media.Manager
	// VendorDir holds the front-end libraries npm installs (node_modules);
	// the film page loads hls.js from it.
	VendorDir string
	// OpenSubtitles, when set, finds subtitles the films lack.
	OpenSubtitles *subtitles.OpenSubtitles

	// Library feeds the discover page and the film details
	// (library.Service); nil shows the store's films only.
	Library Library
	// Comments are viewers' comments on films; nil hides them.
	Comments hypertube.CommentService

	// API serves /api/ and /oauth/ (api.New); nil leaves them out. It
	// checks its own bearer tokens, so no page middleware wraps it.
	API http.Handler
	// Apps lets people register third-party apps on their profile
	// (api.Clients); nil hides the section.
	Apps AppService
	// AccessTokens, when set, lets API clients fetch profile pictures
	// with their bearer token.
	AccessTokens AccessTokenFinder
}

// Server is the site's http.Handler.
type Server struct {
	handler http.Handler
	h       *handler // for the API's hooks (apihooks.go)
}

// DefaultFirstByteTimeout is used when Config.FirstByteTimeout is zero.
const DefaultFirstByteTimeout = 60 * time.Second

// New checks cfg and builds the site.
func New(cfg Config) (*Server, error) {
	var missing []string
	for name, ok := range map[string]bool{
		"Movies": cfg.Movies != nil, "Engine": cfg.Engine != nil, "Users": cfg.Users != nil,
		"Sessions": cfg.Sessions != nil, "Resets": cfg.Resets != nil, "Watches": cfg.Watches != nil,
		"Mailer": cfg.Mailer != nil,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, errors.New("web: Config needs " + strings.Join(missing, ", "))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FirstByteTimeout <= 0 {
		cfg.FirstByteTimeout = DefaultFirstByteTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Catalog == nil {
		c, err := i18n.Load()
		if err != nil {
			return nil, err
		}
		cfg.Catalog = c
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		rand.Read(cfg.Secret)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	h := &handler{
		movies:           cfg.Movies,
		engine:           cfg.Engine,
		users:            cfg.Users,
		sessions:         cfg.Sessions,
		resets:           cfg.Resets,
		watches:          cfg.Watches,
		mailer:           cfg.Mailer,
		catalog:          cfg.Catalog,
		providers:        cfg.Providers,
		baseURL:          cfg.BaseURL,
		secureCookies:    cfg.SecureCookies,
		proxies:          cfg.Proxies,
		secret:           cfg.Secret,
		dataDir:          cfg.DataDir,
		log:              cfg.Logger,
		firstByteTimeout: cfg.FirstByteTimeout,
		now:              cfg.Now,
		assets:           assets,
		limits:           newLimits(),
		library:          cfg.Library,
		comments:         cfg.Comments,
		api:              cfg.API,
		apps:             cfg.Apps,
		accessTokens:     cfg.AccessTokens,
	}
	if h.library == nil {
		h.library = storeLibrary(cfg.Movies)
	}
	h.player = newPlayer(cfg)
	h.pages, err = parsePages(assets)
	if err != nil {
		return nil, err
	}
	mux := h.routes(cfg.Tracker)

	// Browsers send Sec-Fetch-Site (or Origin) with every form post, so this
	// stops cross-site posts even before the per-form tokens are checked.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, h.t(r, "error.crossOrigin"))
	}))
	return &Server{h: h, handler: h.logRequests(securityHeaders(h.withVisitor(cop.Handler(h.friendlyMuxErrors(mux)))))}, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handler holds what the route handlers share.
type handler struct {
	movies           hypertube.MovieService
	engine           hypertube.Engine
	users            hypertube.UserService
	sessions         hypertube.SessionService
	resets           ResetService
	watches          WatchService
	mailer           mail.Mailer
	catalog          *i18n.Catalog
	providers        []auth.Provider
	baseURL          string
	secureCookies    bool
	proxies          auth.Proxies
	secret           []byte
	dataDir          string
	log              *slog.Logger
	firstByteTimeout time.Duration
	now              func() time.Time
	assets           *assets
	pages            map[string]*template.Template
	limits           *limits
	player           *player
	library          Library
	comments         hypertube.CommentService
	genreCache       genreCache
	api              http.Handler
	apps             AppService
	accessTokens     AccessTokenFinder
}

// limits are the rate limits of the account pages. Sign-in allows a few
// mistakes per account, more per address since many people may share one.
type limits struct {
	signinAccount, signinIP *auth.Limiter
	resetAddress, resetIP   *auth.Limiter
	signupIP                *auth.Limiter
}

func newLimits() *limits {
	return &limits{
		signinAccount: auth.NewLimiter(10, 15*time.Minute),
		signinIP:      auth.NewLimiter(50, 15*time.Minute),
		resetAddress:  auth.NewLimiter(3, time.Hour),
		resetIP:       auth.NewLimiter(20, time.Hour),
		signupIP:      auth.NewLimiter(20, time.Hour),
	}
}

func (h *handler) provider(name string) auth.Provider {
	for _, p := range h.providers {
		if p.Name() == name {
			return p
		}
	}
	return nil
}
