package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube/auth"
)

// benchSite is a fresh `hypertube serve`, run in-process with the flags a
// person would give it, and a bench user signed in to it. The benchmark
// talks to it only as a browser would: forms, cookies, the stream URL.
type benchSite struct {
	dir    string
	url    string
	stop   func() error
	client *http.Client // signed in; redirects are returned, not followed
	csrf   string       // the signed-in session's form token
	movies []int64      // ids of the films added by addAll, in the swarm's order
}

// benchSessionCookie is the site's session cookie, which Chromium tabs are
// given so that they watch as the bench user.
const benchSessionCookie = "hypertube_session"

// newSite starts a server with its own data folder and SQLite database and
// signs up a bench user. Its log goes to the bench's stderr, errors only.
// extra are further flags of serve, such as --vendor-dir.
func (b *bench) newSite(ctx context.Context, extra ...string) (*benchSite, error) {
	dir, err := os.MkdirTemp("", "hypertube-bench-site-")
	if err != nil {
		return nil, err
	}
	site := &benchSite{dir: dir}
	site.url, site.stop, err = startInProcess(ctx, append([]string{"hypertube", "serve",
		"--addr", "127.0.0.1:0", "--data", dir, "--torrent-addr", "127.0.0.1:0",
		"--no-dht", "--no-pex", "--no-utp", "--demo=false",
		"--first-byte-timeout", "1m", "--log-level", b.logLevel,
	}, extra...), b.logs)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting hypertube serve: %w", err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		site.Close()
		return nil, err
	}
	site.client = &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 100, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if err := site.signUp(ctx); err != nil {
		site.Close()
		return nil, err
	}
	return site, nil
}

var (
	csrfField  = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]+)">`)
	formErrors = regexp.MustCompile(`class="(?:form|field)-error"[^>]*>([^<]+)<`)
	movieURL   = regexp.MustCompile(`^/movies/(\d+)$`)
)

// signUp makes the bench account through the sign-up form, with a strong
// random password nobody needs to know, and keeps the home page's form
// token for adding films.
func (site *benchSite) signUp(ctx context.Context) error {
	page, err := site.page(ctx, "/signup")
	if err != nil {
		return err
	}
	token, err := formToken(page)
	if err != nil {
		return fmt.Errorf("the sign-up page: %w", err)
	}
	form := url.Values{
		"csrf": {token}, "email": {"bench@example.org"}, "username": {"bench"},
		"first_name": {"Bench"}, "last_name": {"Viewer"}, "password": {auth.NewToken()},
	}
	res, err := site.post(ctx, "/signup", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		return fmt.Errorf("signing up the bench user: %s%s", res.Status, pageErrors(body))
	}
	if site.sessionCookie() == nil {
		return errors.New("signing up the bench user: the site set no session cookie")
	}
	if page, err = site.page(ctx, "/"); err != nil {
		return err
	}
	if site.csrf, err = formToken(page); err != nil {
		return fmt.Errorf("the home page: %w", err)
	}
	return nil
}

// page GETs a page that must answer 200.
func (site *benchSite) page(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, site.url+path, nil)
	if err != nil {
		return nil, err
	}
	res, err := site.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s (to %q)", path, res.Status, res.Header.Get("Location"))
	}
	return body, nil
}

func (site *benchSite) post(ctx context.Context, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, site.url+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return site.client.Do(req)
}

func formToken(page []byte) (string, error) {
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return "", errors.New("no form token (csrf field) in it")
	}
	return html.UnescapeString(string(m[1])), nil
}

// pageErrors returns the error messages a form page shows, for reports.
func pageErrors(page []byte) string {
	var msgs []string
	for _, m := range formErrors.FindAllSubmatch(page, 3) {
		msgs = append(msgs, strings.TrimSpace(html.UnescapeString(string(m[1]))))
	}
	if len(msgs) == 0 {
		return ""
	}
	return ": " + strings.Join(msgs, "; ")
}

// addMagnet adds a film by magnet link through the home page's form and
// returns its id.
func (site *benchSite) addMagnet(ctx context.Context, magnet string) (int64, error) {
	return site.addMovie(ctx, func(w *multipart.Writer) error { return w.WriteField("magnet", magnet) })
}

// addTorrentFile adds a film by uploading its .torrent through the same
// form, so that its metadata is known from the start.
func (site *benchSite) addTorrentFile(ctx context.Context, data []byte) (int64, error) {
	return site.addMovie(ctx, func(w *multipart.Writer) error {
		f, err := w.CreateFormFile("torrent", "film.torrent")
		if err == nil {
			_, err = f.Write(data)
		}
		return err
	})
}

func (site *benchSite) addMovie(ctx context.Context, fill func(*multipart.Writer) error) (int64, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if err := w.WriteField("csrf", site.csrf); err != nil {
		return 0, err
	}
	if err := fill(w); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	res, err := site.post(ctx, "/movies", w.FormDataContentType(), &body)
	if err != nil {
		return 0, err
	}
	page, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	m := movieURL.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		return 0, fmt.Errorf("adding a film: %s%s", res.Status, pageErrors(page))
	}
	return strconv.ParseInt(m[1], 10, 64)
}

// addAll adds every film of the swarm by magnet link, as a person pasting
// them would.
func (site *benchSite) addAll(ctx context.Context, sw *benchSwarm) error {
	for _, t := range sw.torrents {
		id, err := site.addMagnet(ctx, t.magnet)
		if err != nil {
			return err
		}
		site.movies = append(site.movies, id)
	}
	return nil
}

// sessionCookie is the bench user's session, or nil before signing up.
func (site *benchSite) sessionCookie() *http.Cookie {
	u, _ := url.Parse(site.url)
	for _, c := range site.client.Jar.Cookies(u) {
		if c.Name == benchSessionCookie {
			return c
		}
	}
	return nil
}

func (site *benchSite) streamURL(id int64) string {
	return site.url + "/movies/" + strconv.FormatInt(id, 10) + "/stream"
}

func (site *benchSite) pageURL(id int64) string {
	return site.url + "/movies/" + strconv.FormatInt(id, 10)
}

// get starts a GET of film id's stream from byte offset on.
func (site *benchSite) get(ctx context.Context, id int64, offset int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, site.streamURL(id), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	res, err := site.client.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusPartialContent {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		return nil, fmt.Errorf("GET %s: %s: %s", site.streamURL(id), res.Status, strings.TrimSpace(string(body)))
	}
	return res, nil
}

// Close stops the server and removes its data. Viewers' connections are
// closed first, so that serve's graceful shutdown has nothing to wait for.
func (site *benchSite) Close() error {
	if site.client != nil {
		site.client.CloseIdleConnections()
	}
	var err error
	if site.stop != nil {
		err = site.stop()
	}
	if rmErr := os.RemoveAll(site.dir); err == nil {
		err = rmErr
	}
	return err
}
