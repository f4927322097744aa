package web_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/web"
)

const (
	demoHash  = "0123456789abcdef0123456789abcdef01234567"
	emptyHash = "89abcdef0123456789abcdef0123456789abcdef"
)

type site struct {
	*httptest.Server
	movies *fakeMovies
	engine *fakeEngine
	film   []byte // the video file of movie 1

	db       *store.DB
	users    *store.UserService
	sessions *store.SessionService
	resets   *store.ResetService
	watches  *store.WatchService
	mailer   *fakeMailer
	clock    *fakeClock
	dataDir  string
	// me is a browser signed in as the user "tester"; s.do and s.get use it.
	me *browser
}

// newSite serves a library of two films: 1 has a torrent whose second file
// is the video, 2 has a torrent whose metadata never arrives. Accounts live
// in a real SQLite store; the site's clock is a fake one, and "tester" has
// signed up.
func newSite(t *testing.T, change func(*web.Config)) *site {
	t.Helper()
	s := &site{engine: newFakeEngine(), film: make([]byte, 300_000), mailer: newFakeMailer(),
		clock: &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}}
	for i := range s.film {
		s.film[i] = byte(i * 7 % 251)
	}
	s.engine.addTorrent(demoHash, "Demo Film",
		fakeFile{path: "Demo Film/readme.txt", data: []byte("hello")},
		fakeFile{path: "Demo Film/demo.mp4", data: s.film},
		fakeFile{path: "Demo Film/sample.mp4", data: make([]byte, 1000)})
	films := []*hypertube.Movie{
		{Title: "Demo Film", Year: 2024, Summary: "A film for tests.", InfoHash: demoHash,
			Magnet: "magnet:?xt=urn:btih:" + demoHash, Source: "demo"},
		{Title: "No Peers", InfoHash: emptyHash, Magnet: "magnet:?xt=urn:btih:" + emptyHash},
	}
	s.movies = newFakeMovies()
	db, err := store.Open(t.Context(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s.db = db
	for _, m := range films {
		// The same films in the store, with the same ids, so that watches
		// (which refer to films) can be recorded.
		c := *m
		if err := store.NewMovieService(db).CreateMovie(t.Context(), &c); err != nil {
			t.Fatal(err)
		}
		s.movies.CreateMovie(t.Context(), m)
	}
	s.users, s.resets, s.watches = store.NewUserService(db), store.NewResetService(db), store.NewWatchService(db)
	s.sessions = store.NewSessionService(db)
	s.sessions.Now = s.clock.Now
	cfg := web.Config{
		Movies:           s.movies,
		Engine:           s.engine,
		Users:            s.users,
		Sessions:         s.sessions,
		Resets:           s.resets,
		Watches:          s.watches,
		Mailer:           s.mailer,
		Now:              s.clock.Now,
		DataDir:          t.TempDir(),
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
		FirstByteTimeout: 5 * time.Second,
	}
	// The site must know its own address for the links in its mails.
	s.Server = httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + s.Listener.Addr().String()
	if change != nil {
		change(&cfg)
	}
	s.dataDir = cfg.DataDir
	srv, err := web.New(cfg)
	if err != nil {
		s.Listener.Close()
		t.Fatal(err)
	}
	s.Config.Handler = srv
	s.Start()
	t.Cleanup(s.Close)
	s.me = s.signUp(t, "tester", "tester@example.org", testPassword)
	return s
}

// do sends a request as "tester", with their CSRF token on anything but
// GET and HEAD unless hdr sets one, and does not follow redirects.
func (s *site) do(t *testing.T, method, path string, hdr map[string]string, body io.Reader) (*http.Response, string) {
	t.Helper()
	h := map[string]string{}
	if method != http.MethodGet && method != http.MethodHead {
		h["X-CSRF-Token"] = s.me.csrf
	}
	for k, v := range hdr {
		h[k] = v
	}
	return s.me.do(t, method, path, h, body)
}

func (s *site) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil, nil)
}

// staticURL finds the checksum URL of an asset in a film's page.
func (s *site) staticURL(t *testing.T, name string) string {
	t.Helper()
	_, body := s.get(t, "/movies/1")
	m := regexp.MustCompile(`/static/[0-9a-f]+/` + regexp.QuoteMeta(name)).FindString(body)
	if m == "" {
		t.Fatalf("no link to %s in the film page", name)
	}
	return m
}

func checkSecurityHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data: https:; media-src 'self' blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s %s: header %s = %q, want %q", resp.Request.Method, resp.Request.URL.Path, k, got, v)
		}
	}
}

func TestRoutes(t *testing.T) {
	trk := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("tracker " + r.URL.Path))
	})
	s := newSite(t, func(c *web.Config) { c.Tracker = trk })
	css := s.staticURL(t, "style.css")
	js := s.staticURL(t, "site.js")

	tests := []struct {
		method, path string
		status       int
		contentType  string
		body         string // a substring of the body
	}{
		{"GET", "/healthz", 200, "text/plain", "ok"},
		{"GET", "/", 200, "text/html", "Demo Film"},
		{"GET", "/movies/1", 200, "text/html", `src="/movies/1/stream"`},
		{"GET", "/movies/2", 200, "text/html", "No Peers"},
		{"GET", "/movies/99", 404, "text/html", "No such film."},
		{"GET", "/movies/abc", 404, "text/html", "There is no film with this number"},
		{"GET", "/movies/99/stream", 404, "text/html", "No such film."},
		{"GET", "/movies/99/events", 404, "text/html", "No such film."},
		{"GET", "/movies/99/poster", 404, "text/html", "No such film."},
		{"GET", "/movies/1/poster", 200, "image/svg+xml", "<svg"},
		{"GET", "/no/such/page", 404, "text/html", "There is no page at this address"},
		{"GET", css, 200, "text/css", "--accent"},
		{"GET", js, 200, "text/javascript", "data-fallback"},
		{"GET", "/static/000000000000/style.css", 404, "text/html", ""},
		{"GET", "/announce?info_hash=x", 200, "text/plain", "tracker /announce"},
		{"GET", "/scrape", 200, "text/plain", "tracker /scrape"},
		{"HEAD", "/", 200, "text/html", ""},
		{"HEAD", "/movies/1/stream", 200, "video/mp4", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := s.do(t, tt.method, tt.path, nil, nil)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body: %.200s", resp.StatusCode, tt.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type = %q, want %s…", ct, tt.contentType)
			}
			if !strings.Contains(body, tt.body) {
				t.Errorf("body does not contain %q: %.300s", tt.body, body)
			}
			checkSecurityHeaders(t, resp)
		})
	}
}

func TestStaticCaching(t *testing.T) {
	s := newSite(t, nil)
	resp, _ := s.get(t, s.staticURL(t, "film.js"))
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control = %q, want a year, immutable", cc)
	}
	resp, _ = s.get(t, "/")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control = %q, want no-store", cc)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := newSite(t, nil)
	for _, tt := range []struct{ method, path, allow string }{
		{"POST", "/healthz", "GET, HEAD"},
		{"DELETE", "/movies/1", "GET, HEAD"},
		{"GET", "/movies", "POST"},
	} {
		resp, body := s.do(t, tt.method, tt.path, nil, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405", tt.method, tt.path, resp.StatusCode)
		}
		if got := resp.Header.Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
		if !strings.Contains(body, "does not accept that kind of request") {
			t.Errorf("%s %s: body is not the site's 405 page: %.200s", tt.method, tt.path, body)
		}
		checkSecurityHeaders(t, resp)
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		err     error
		status  int
		message string
	}{
		{hypertube.Errorf(hypertube.EINVALID, "Bad id."), 400, "Bad id."},
		{hypertube.Errorf(hypertube.ENOTFOUND, "Gone."), 404, "Gone."},
		{hypertube.Errorf(hypertube.ECONFLICT, "Clash."), 409, "Clash."},
		{hypertube.Errorf(hypertube.ERANGE, "Too far."), 416, "Too far."},
		{hypertube.Errorf(hypertube.EUNAVAILABLE, "Busy now."), 503, "Busy now."},
		{hypertube.Errorf(hypertube.ETIMEOUT, "Too slow."), 504, "Too slow."},
		{errors.New("pq: password authentication failed for user secret"), 500, "Something went wrong on our side"},
	}
	for _, tt := range tests {
		s := newSite(t, nil)
		s.movies.err = tt.err
		resp, body := s.get(t, "/movies/1")
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.message) {
			t.Errorf("%v: got %d, want %d with %q: %.300s", tt.err, resp.StatusCode, tt.status, tt.message, body)
		}
		if strings.Contains(body, "password") {
			t.Errorf("%v: internal details shown to the person", tt.err)
		}
	}
}

func TestSignInRequired(t *testing.T) {
	trk := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("d8:intervali60ee")) })
	s := newSite(t, func(c *web.Config) { c.Tracker = trk })
	anon := s.newBrowser(t)
	for path, want := range map[string]string{
		"/":                     "/signin",
		"/movies/1":             "/signin?next=%2Fmovies%2F1",
		"/movies/1/stream":      "/signin?next=%2Fmovies%2F1%2Fstream",
		"/movies/1/events":      "/signin?next=%2Fmovies%2F1%2Fevents",
		"/movies/1/poster":      "/signin?next=%2Fmovies%2F1%2Fposter",
		"/profile":              "/signin?next=%2Fprofile",
		"/users?q=a":            "/signin?next=%2Fusers%3Fq%3Da",
		"/users/1":              "/signin?next=%2Fusers%2F1",
		"/users/1/picture":      "/signin?next=%2Fusers%2F1%2Fpicture",
		"/healthz":              "",
		"/announce":             "",
		"/scrape":               "",
		"/signin":               "",
		"/signup":               "",
		"/reset":                "",
		"/reset/abcdefghijklmn": "",
		"/favicon.ico":          "/static/",
		"/static/x/app.css":     "", // not found, but not behind sign-in
	} {
		resp, _ := anon.get(t, path)
		loc := resp.Header.Get("Location")
		switch {
		case want == "" && resp.StatusCode == http.StatusSeeOther:
			t.Errorf("GET %s: redirected to %s, want no sign-in", path, loc)
		case want != "" && !strings.HasPrefix(loc, want):
			t.Errorf("GET %s: status %d, Location %q, want %s", path, resp.StatusCode, loc, want)
		}
	}
	for _, path := range []string{"/movies", "/profile", "/profile/delete", "/movies/1/progress"} {
		resp, _ := anon.post(t, path, url.Values{})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("POST %s: status %d to %q, want 303 to /signin", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestNoTrackerMeansNoAnnounce(t *testing.T) {
	s := newSite(t, nil)
	if resp, _ := s.get(t, "/announce"); resp.StatusCode != 404 {
		t.Errorf("GET /announce without a tracker: %d, want 404", resp.StatusCode)
	}
}

func TestNewNeedsServices(t *testing.T) {
	for _, cfg := range []web.Config{
		{Engine: newFakeEngine()},
		{Movies: newFakeMovies()},
		{Movies: newFakeMovies(), Engine: newFakeEngine()},
	} {
		if _, err := web.New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
}

var hypertubeFilter = hypertube.MovieFilter{}
