// Package web is the server-rendered site: the film grid, the film page with
// its player, and the small JSON/SSE endpoints the page's script uses.
package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/hypertube/hypertube"
)

// Config is what the site needs from the rest of the program.
type Config struct {
	Movies  hypertube.MovieService
	Engine  hypertube.Engine
	Tracker http.Handler // optional, mounted at GET /announce and GET /scrape
	// DataDir holds local files of demo films; a poster outside it is never
	// served.
	DataDir string
	Logger  *slog.Logger
	// FirstByteTimeout bounds how long a stream request waits for the
	// torrent's metadata and first bytes before answering 504.
	FirstByteTimeout time.Duration
	// Auth, when set, wraps every page except /healthz, /static and the
	// tracker.
	Auth func(http.Handler) http.Handler
}

// Server is the site's http.Handler.
type Server struct {
	handler http.Handler
}

// DefaultFirstByteTimeout is used when Config.FirstByteTimeout is zero.
const DefaultFirstByteTimeout = 60 * time.Second

// New checks cfg and builds the site.
func New(cfg Config) (*Server, error) {
	if cfg.Movies == nil {
		return nil, errors.New("web: Config.Movies is required")
	}
	if cfg.Engine == nil {
		return nil, errors.New("web: Config.Engine is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FirstByteTimeout <= 0 {
		cfg.FirstByteTimeout = DefaultFirstByteTimeout
	}
	if cfg.Auth == nil {
		cfg.Auth = func(h http.Handler) http.Handler { return h }
	}
	assets, err := loadAssets()
	if err != nil {
		return nil, err
	}
	h := &handler{
		movies:           cfg.Movies,
		engine:           cfg.Engine,
		dataDir:          cfg.DataDir,
		log:              cfg.Logger,
		firstByteTimeout: cfg.FirstByteTimeout,
		assets:           assets,
	}
	h.pages, err = parsePages(assets)
	if err != nil {
		return nil, err
	}
	mux := h.routes(cfg.Tracker, cfg.Auth)

	// Browsers send Sec-Fetch-Site (or Origin) with every form post, so this
	// alone stops cross-site form posts without per-form tokens.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, msg("error.crossOrigin"))
	}))
	return &Server{handler: h.logRequests(securityHeaders(cop.Handler(h.friendlyMuxErrors(mux))))}, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handler holds what the route handlers share.
type handler struct {
	movies           hypertube.MovieService
	engine           hypertube.Engine
	dataDir          string
	log              *slog.Logger
	firstByteTimeout time.Duration
	assets           *assets
	pages            map[string]*template.Template
}
