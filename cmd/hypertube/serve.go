package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/janitor"
	"github.com/hypertube/hypertube/library"
	"github.com/hypertube/hypertube/mail"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/subtitles"
	"github.com/hypertube/hypertube/torrent"
	"github.com/hypertube/hypertube/tracker"
	"github.com/hypertube/hypertube/web"
)

type serveConfig struct {
	addr        string
	baseURL     string
	dataDir     string
	databaseURL string
	torrentAddr string
	demo        bool
	demoRate    int64
	noDHT       bool
	noPEX       bool
	noUTP       bool
	firstByte   time.Duration
	logLevel    slog.Level
	vendorDir   string
	keepDays    int
	diskBudget  int64
	convertIdle time.Duration
	admins      []string // usernames that may remove films through the API
	proxies     auth.Proxies
}

func parseServeFlags(args []string, e env) (serveConfig, error) {
	c := serveConfig{databaseURL: e.Getenv("HYPERTUBE_DATABASE_URL")}
	fs := newFlagSet("serve", "[flags]", e)
	fs.StringVar(&c.addr, "addr", envOr(e, "HYPERTUBE_ADDR", "127.0.0.1:8080"), "HTTP listen address (env HYPERTUBE_ADDR)")
	fs.StringVar(&c.baseURL, "base-url", e.Getenv("HYPERTUBE_BASE_URL"), "URL people use to reach the site, for links in mails; https turns on Secure cookies (env HYPERTUBE_BASE_URL; default http://<addr>)")
	fs.StringVar(&c.dataDir, "data", envOr(e, "HYPERTUBE_DATA", "./data"), "data directory: downloads, database, demo films (env HYPERTUBE_DATA)")
	fs.StringVar(&c.torrentAddr, "torrent-addr", envOr(e, "HYPERTUBE_TORRENT_ADDR", ":42069"), "BitTorrent listen address (env HYPERTUBE_TORRENT_ADDR)")
	demo := envOr(e, "HYPERTUBE_DEMO", "true")
	fs.BoolVar(&c.demo, "demo", demo != "false" && demo != "0", "generate demo films and seed them from a local peer (env HYPERTUBE_DEMO)")
	rate := envOr(e, "HYPERTUBE_DEMO_RATE", "0")
	fs.Func("demo-rate", "upload limit of the demo peer, e.g. 2MiB (per second; 0 = unlimited; env HYPERTUBE_DEMO_RATE)", func(s string) error {
		rate = s
		return nil
	})
	offline := envOr(e, "HYPERTUBE_OFFLINE", "") == "true"
	fs.BoolVar(&c.noDHT, "no-dht", offline, "turn off the DHT (env HYPERTUBE_OFFLINE=true turns off DHT, PEX and uTP)")
	fs.BoolVar(&c.noPEX, "no-pex", offline, "turn off peer exchange")
	fs.BoolVar(&c.noUTP, "no-utp", offline, "turn off uTP (TCP only)")
	fs.DurationVar(&c.firstByte, "first-byte-timeout", 30*time.Second, "how long a stream waits for peers before answering 504")
	fs.DurationVar(&c.convertIdle, "convert-idle", media.DefaultIdle, "how long a conversion lives after its viewer stops asking for it")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn, error")
	fs.StringVar(&c.vendorDir, "vendor-dir", envOr(e, "HYPERTUBE_VENDOR_DIR", ""), "front-end libraries installed by scripts/deps, for hls.js (env HYPERTUBE_VENDOR_DIR; default ./node_modules beside the working directory or the executable)")
	fs.Func("admins", "comma-separated usernames that may remove films through the API (env HYPERTUBE_ADMINS; default: nobody)", func(v string) error {
		c.admins = splitList(v)
		return nil
	})
	c.admins = splitList(e.Getenv("HYPERTUBE_ADMINS"))
	proxies := envOr(e, "HYPERTUBE_TRUSTED_PROXIES", "")
	fs.StringVar(&proxies, "trusted-proxies", proxies, "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client, for rate limits (env HYPERTUBE_TRUSTED_PROXIES; default: none)")
	keep := envOr(e, "HYPERTUBE_KEEP_DAYS", "30")
	fs.Func("keep-days", "delete films nobody watched for this many days (env HYPERTUBE_KEEP_DAYS; default 30)", func(s string) error {
		keep = s
		return nil
	})
	budget := envOr(e, "HYPERTUBE_DISK_BUDGET", "0")
	fs.Func("disk-budget", "disk space films may take, e.g. 50GiB; past it the least recently watched go (0 = no limit; env HYPERTUBE_DISK_BUDGET)", func(s string) error {
		budget = s
		return nil
	})
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	p, err := auth.ParseProxies(proxies)
	if err != nil {
		return c, usageError{fmt.Sprintf("invalid --trusted-proxies: %v", err)}
	}
	c.proxies = p
	if c.baseURL != "" {
		u, err := url.Parse(c.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return c, usageError{fmt.Sprintf("invalid --base-url %q: want http(s)://host[:port]", c.baseURL)}
		}
		c.baseURL = strings.TrimSuffix(c.baseURL, "/")
	}
	n, err := parseSize(rate)
	if err != nil {
		return c, usageError{fmt.Sprintf("invalid --demo-rate: %v", err)}
	}
	c.demoRate = n
	if c.keepDays, err = strconv.Atoi(strings.TrimSpace(keep)); err != nil || c.keepDays < 1 {
		return c, usageError{fmt.Sprintf("invalid --keep-days %q: want a whole number of days, at least 1", keep)}
	}
	if c.diskBudget, err = parseSize(budget); err != nil {
		return c, usageError{fmt.Sprintf("invalid --disk-budget: %v", err)}
	}
	if c.convertIdle <= 0 {
		return c, usageError{fmt.Sprintf("invalid --convert-idle %v: want a positive duration such as 30s", c.convertIdle)}
	}
	if c.vendorDir == "" {
		c.vendorDir = defaultVendorDir()
	}
	return c, nil
}

func envOr(e env, key, def string) string {
	if v := e.Getenv(key); v != "" {
		return v
	}
	return def
}

// runServe runs the web site until ctx ends.
func runServe(ctx context.Context, args []string, e env) error {
	c, err := parseServeFlags(args, e)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: c.logLevel}))
	if err := os.MkdirAll(c.dataDir, 0o755); err != nil {
		return err
	}

	db, err := store.Open(ctx, c.databaseURL, c.dataDir)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	for _, m := range db.Migrated() {
		log.Info("applied a database migration", "migration", m)
	}
	movies := store.NewMovieService(db)
	if err := catalog.Import(ctx, movies, catalog.Builtin()); err != nil {
		return fmt.Errorf("import the built-in catalog: %w", err)
	}

	// Listen before anything announces, so that the built-in tracker's URL
	// is known and reachable.
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	baseURL := "http://" + ln.Addr().String()
	trackerURL := baseURL + "/announce"
	publicURL := c.baseURL
	if publicURL == "" {
		publicURL = baseURL
	}
	trk := tracker.New(tracker.Config{Logger: log})

	engine, err := torrent.NewEngine(torrent.Config{
		DataDir:    filepath.Join(c.dataDir, "torrents"),
		StateDir:   filepath.Join(c.dataDir, "state"),
		ListenAddr: c.torrentAddr,
		NoDHT:      c.noDHT,
		NoPEX:      c.noPEX,
		NoUTP:      c.noUTP,
		Seed:       true,
		Logger:     log,
	})
	if err != nil {
		return fmt.Errorf("start the torrent engine: %w", err)
	}
	defer engine.Close()
	if restored, err := engine.Restore(ctx); err != nil {
		log.Warn("restore torrents", "err", err)
	} else if len(restored) > 0 {
		log.Info("resumed torrents", "count", len(restored))
	}

	runner := &media.Runner{Logger: log, MaxJobs: 4}
	mailer, err := mail.FromURL(e.Getenv("HYPERTUBE_SMTP_URL"), c.dataDir, log)
	if err != nil {
		return fmt.Errorf("HYPERTUBE_SMTP_URL: %w", err)
	}
	secret, err := loadSecret(c.dataDir)
	if err != nil {
		return err
	}
	sessions := store.NewSessionService(db)
	go deleteExpiredSessions(ctx, sessions, log)
	conversions := &media.Manager{Runner: runner, MaxJobs: runner.MaxJobs, Idle: c.convertIdle, TempDir: filepath.Join(c.dataDir, "conversions")}
	if err := os.MkdirAll(conversions.TempDir, 0o755); err != nil {
		return err
	}
	defer conversions.Close()
	openSubs, err := subtitles.OpenSubtitlesFromEnv(e.Getenv)
	if err != nil {
		return err
	}
	oauth := store.NewOAuthService(db)
	go deleteExpiredOAuth(ctx, oauth, log)
	var site *web.Server
	apiHandler, err := newAPI(db, movies, engine, oauth, func() *web.Server { return site }, c.admins, c.proxies, log)
	if err != nil {
		return err
	}
	// The discover page and film details: the providers the environment
	// switches on, the built-in catalog always.
	films := &library.Service{
		Providers: catalog.ProvidersFromEnv(e.Getenv, nil),
		Movies:    movies,
		Releases:  store.NewReleaseService(db),
		Cache:     store.NewCacheService(db),
		Logger:    log,
	}
	site, err = web.New(web.Config{
		Movies:           movies,
		Engine:           engine,
		Users:            store.NewUserService(db),
		Sessions:         sessions,
		Resets:           store.NewResetService(db),
		Watches:          store.NewWatchService(db),
		Mailer:           mailer,
		Providers:        auth.ProvidersFromEnv(e.Getenv, publicURL),
		BaseURL:          publicURL,
		SecureCookies:    strings.HasPrefix(publicURL, "https://"),
		Proxies:          c.proxies,
		Secret:           secret,
		Tracker:          trk,
		DataDir:          c.dataDir,
		Logger:           log,
		FirstByteTimeout: c.firstByte,
		Library:          films,
		Comments:         store.NewCommentService(db),
		API:              apiHandler,
		Apps:             api.NewClients(oauth),
		AccessTokens:     oauth,
		Media:            conversions,
		VendorDir:        c.vendorDir,
		OpenSubtitles:    openSubs,
	})
	if err != nil {
		return err
	}
	disk := &diskFilms{store: movies, engine: engine,
		downloads: filepath.Join(c.dataDir, "torrents"), subtitles: filepath.Join(c.dataDir, "subtitles")}
	jan := &janitor.Janitor{
		Films:  disk,
		Files:  disk,
		Engine: engine,
		InUse:  inUse(engine, site.Watching, movies),
		MaxAge: time.Duration(c.keepDays) * 24 * time.Hour,
		Budget: c.diskBudget,
		Logger: log,
	}
	go jan.Run(ctx, time.Hour)
	srv := &http.Server{
		Handler:           site,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(e.Stdout, "Hypertube is listening on %s\n", baseURL)
	log.Info("listening", "url", baseURL, "data", c.dataDir, "database", db.Dialect())

	if c.demo {
		seeder, err := startDemo(ctx, demoConfig{
			dataDir: c.dataDir, trackerURL: trackerURL, rate: c.demoRate,
			runner: runner, movies: movies, engine: engine, log: log,
		})
		switch {
		case err != nil && ctx.Err() != nil:
			log.Info("demo swarm: stopped while starting, the server is shutting down")
		case err != nil:
			log.Error("demo swarm", "err", err)
		}
		if seeder != nil {
			defer seeder.Close()
		}
	}

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	return nil
}

// loadSecret reads the key that signs the site's forms and cookies from the
// data directory, making it on first start, so that a restart does not
// invalidate every open form.
func loadSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read the site key: %w", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write the site key: %w", err)
	}
	return b, nil
}

// deleteExpiredSessions keeps the sessions table from growing with
// browsers that never came back.
func deleteExpiredSessions(ctx context.Context, sessions *store.SessionService, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := sessions.DeleteExpiredSessions(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("delete expired sessions", "err", err)
		} else if n > 0 {
			log.Info("deleted expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

var _ hypertube.Engine = (*torrent.Engine)(nil)

// splitList splits a comma-separated list, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
