package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/internal/pgtest"
	"github.com/hypertube/hypertube/store"
)

func TestMain(m *testing.M) {
	pgtest.Main(m)
}

// backend is a kind of database every test runs against.
type backend struct {
	name     string
	location func(t *testing.T) (databaseURL, dataDir string)
}

var backends = []backend{
	{"sqlite", func(t *testing.T) (string, string) { return "", t.TempDir() }},
	{"postgres", func(t *testing.T) (string, string) { return pgtest.URL(t), "" }},
}

func forEachBackend(t *testing.T, test func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, b, nil))
		})
	}
}

// forEachBackendWith is forEachBackend with a changed Config.
func forEachBackendWith(t *testing.T, change func(*api.Config), test func(t *testing.T, e *env)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, newEnv(t, b, change))
		})
	}
}

// clock is a fake time that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a running API on a fresh database.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	db       *store.DB
	users    *store.UserService
	movies   *store.MovieService
	comments *store.CommentService
	clients  *api.Clients
	oauth    *store.OAuthService
	clock    *clock
	engine   *fakeEngine
}

const password = "Correct-Horse-42"

var (
	hashOnce     sync.Once
	passwordHash string
)

// testPasswordHash is computed once: argon2id is slow on purpose.
func testPasswordHash(t *testing.T) string {
	hashOnce.Do(func() {
		var err error
		if passwordHash, err = auth.HashPassword(password); err != nil {
			panic(err)
		}
	})
	return passwordHash
}

func newEnv(t *testing.T, b backend, change func(*api.Config)) *env {
	t.Helper()
	url, dir := b.location(t)
	db, err := store.Open(context.Background(), url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, users: store.NewUserService(db), movies: store.NewMovieService(db),
		comments: store.NewCommentService(db), clients: api.NewClients(store.NewOAuthService(db)), oauth: store.NewOAuthService(db),
		clock: &clock{now: time.Now().UTC().Truncate(time.Second)}, engine: &fakeEngine{}}
	cfg := api.Config{
		Users: e.users, Movies: e.movies, Comments: e.comments, OAuth: store.NewOAuthService(db),
		Engine: e.engine, Now: e.clock.Now,
		SessionUser: e.sessionUser,
		CSRFToken:   func(r *http.Request) string { return csrfFor(r) },
		CheckCSRF:   func(r *http.Request) bool { return csrfFor(r) != "" && r.PostFormValue("csrf") == csrfFor(r) },
	}
	if change != nil {
		change(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// The web site's session is faked by a cookie holding the user's id.
const sessionCookie = "test_session"

func (e *env) sessionUser(r *http.Request) (*hypertube.User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	id, _ := strconv.ParseInt(c.Value, 10, 64)
	u, err := e.users.FindUserByID(r.Context(), id)
	return u, err == nil
}

func csrfFor(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return "csrf-" + c.Value
}

func (e *env) user(name string) *hypertube.User {
	e.t.Helper()
	u := &hypertube.User{Username: name, Email: name + "@example.org", FirstName: "First", LastName: "Last",
		PasswordHash: testPasswordHash(e.t)}
	if err := e.users.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) movie(title string, n int) *hypertube.Movie {
	e.t.Helper()
	m := &hypertube.Movie{Title: title, Year: 2000 + n, Runtime: 90 + n, Rating: 7.5,
		InfoHash: fmt.Sprintf("%040x", n), Source: "test"}
	if err := e.movies.CreateMovie(context.Background(), m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) comment(u *hypertube.User, m *hypertube.Movie, body string) *hypertube.Comment {
	e.t.Helper()
	c := &hypertube.Comment{MovieID: m.ID, UserID: u.ID, Body: body}
	if err := e.comments.CreateComment(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// token registers an app for u and returns a client-credentials token.
func (e *env) token(u *hypertube.User) string {
	e.t.Helper()
	id, secret, err := e.clients.Create(context.Background(), u.ID, u.Username+"'s script", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.do("POST", "/oauth/token", basicAuth(id, secret), form("grant_type", "client_credentials"))
	r.want(200)
	return r.JSON["access_token"].(string)
}

// rawToken stores a token for u straight in the database, for tests that
// must not spend requests on /oauth/token.
func (e *env) rawToken(u *hypertube.User) string {
	e.t.Helper()
	ctx := context.Background()
	id, _, err := e.clients.Create(ctx, u.ID, "raw", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	tok := auth.NewToken()
	now := e.clock.Now()
	err = e.oauth.CreateToken(ctx, &store.OAuthToken{AccessHash: auth.HashToken(tok), ClientID: id, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// response is an answer the document has already been checked against.
type response struct {
	t      *testing.T
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

func (r *response) want(status int) *response {
	r.t.Helper()
	if r.Status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// errorCode is the code of an API error answer.
func (r *response) errorCode() string {
	e, _ := r.JSON["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// errorMessage is the message of an API error answer.
func (r *response) errorMessage() string {
	e, _ := r.JSON["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

func (r *response) field(name string) string {
	e, _ := r.JSON["error"].(map[string]any)
	fields, _ := e["fields"].(map[string]any)
	msg, _ := fields[name].(string)
	return msg
}

func (r *response) items() []any {
	items, _ := r.JSON["items"].([]any)
	return items
}

// option changes a request.
type option func(*http.Request)

func bearer(token string) option {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func basicAuth(id, secret string) option {
	return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

func header(k, v string) option { return func(r *http.Request) { r.Header.Set(k, v) } }

func session(u *hypertube.User) option {
	return func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: strconv.FormatInt(u.ID, 10)})
	}
}

func body(contentType string, b []byte) option {
	return func(r *http.Request) {
		r.Header.Set("Content-Type", contentType)
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}
}

func jsonBody(v any) option {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return body("application/json", b)
}

func form(kv ...string) option {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return body("application/x-www-form-urlencoded", []byte(v.Encode()))
}

func multipartFile(field, name string, data []byte) option {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	return body(mw.FormDataContentType(), buf.Bytes())
}

var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

// do sends a request to the test server and checks the answer against the
// OpenAPI document.
func (e *env) do(method, path string, opts ...option) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &response{t: e.t, Status: resp.StatusCode, Header: resp.Header, Body: b}
	if err := checkResponse(method, req.URL.Path, resp.StatusCode, resp.Header, b); err != nil {
		e.t.Fatalf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", method, path, resp.StatusCode, err, b)
	}
	recordCoverage(method, req.URL.Path, resp.StatusCode)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
		}
		r.JSON, _ = v.(map[string]any)
	}
	return r
}

// fakeEngine adds torrents without downloading anything.
type fakeEngine struct {
	mu      sync.Mutex
	dropped []string
}

func (f *fakeEngine) AddMagnet(_ context.Context, uri string) (string, error) {
	m, err := metainfo.ParseMagnetUri(uri)
	if err != nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "This magnet link names no torrent.")
	}
	return m.InfoHash.HexString(), nil
}

func (f *fakeEngine) AddTorrent(_ context.Context, data []byte) (string, error) {
	mi, err := metainfo.Load(bytes.NewReader(data))
	if err != nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "This is not a .torrent file.")
	}
	return mi.HashInfoBytes().HexString(), nil
}

func (f *fakeEngine) Drop(infoHash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropped = append(f.dropped, infoHash)
	return nil
}

func (f *fakeEngine) droppedHashes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dropped...)
}
