package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/mail"
	"github.com/hypertube/hypertube/store"
)

// testPassword passes the strength rules for every test account.
const testPassword = "Correct-Horse-Battery-42"

// fakeClock is the site's and the session store's clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// fakeMailer keeps what the site sends.
type fakeMailer struct {
	sent chan mail.Message
}

func newFakeMailer() *fakeMailer { return &fakeMailer{sent: make(chan mail.Message, 100)} }

func (m *fakeMailer) Send(_ context.Context, msg mail.Message) error {
	m.sent <- msg
	return nil
}

// next waits for the next mail; the site sends them after answering.
func (m *fakeMailer) next(t *testing.T) mail.Message {
	t.Helper()
	select {
	case msg := <-m.sent:
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("no mail sent within 10s")
		return mail.Message{}
	}
}

// none checks that no mail is sent within a short while.
func (m *fakeMailer) none(t *testing.T) {
	t.Helper()
	select {
	case msg := <-m.sent:
		t.Errorf("unexpected mail to %s: %s", msg.To, msg.Subject)
	case <-time.After(300 * time.Millisecond):
	}
}

// browser is one visitor with its cookies and the CSRF token of the last
// page it loaded.
type browser struct {
	s      *site
	client *http.Client
	csrf   string
}

func (s *site) newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{s: s, client: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

func (b *browser) do(t *testing.T, method, path string, hdr map[string]string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if m := csrfMeta.FindSubmatch(data); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return resp, string(data)
}

func (b *browser) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil, nil)
}

// post sends a form with the browser's CSRF token, as a page would.
func (b *browser) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if b.csrf == "" {
		b.get(t, "/signin")
	}
	if _, ok := form["csrf"]; !ok {
		form = cloneValues(form)
		form.Set("csrf", b.csrf)
	}
	return b.do(t, http.MethodPost, path, map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		strings.NewReader(form.Encode()))
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// cookie returns the value of the browser's cookie name, "" if none.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// signUp makes an account through the form and returns a browser signed in
// as it.
func (s *site) signUp(t *testing.T, username, email, password string) *browser {
	t.Helper()
	b := s.newBrowser(t)
	resp, body := b.post(t, "/signup", url.Values{
		"email": {email}, "username": {username}, "first_name": {"First " + username},
		"last_name": {"Last " + username}, "password": {password},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign up %s: status %d: %s", username, resp.StatusCode, errorsIn(body))
	}
	b.get(t, "/")
	return b
}

// signIn signs a fresh browser in.
func (s *site) signIn(t *testing.T, login, password string) (*browser, *http.Response, string) {
	t.Helper()
	b := s.newBrowser(t)
	resp, body := b.post(t, "/signin", url.Values{"login": {login}, "password": {password}})
	if resp.StatusCode == http.StatusSeeOther {
		b.get(t, "/")
	}
	return b, resp, body
}

var errorText = regexp.MustCompile(`class="(?:field-error|form-error|error-message)"[^>]*>([^<]*)<`)

// errorsIn lists the error messages of a page, for failure output.
func errorsIn(body string) []string {
	var out []string
	for _, m := range errorText.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// fieldError returns the message shown under a form field.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(field) + `-error">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// addFilm adds m to the fake library and, with the same id, to the store,
// where watches need it.
func (s *site) addFilm(t *testing.T, m *hypertube.Movie) {
	t.Helper()
	c := *m
	if err := store.NewMovieService(s.db).CreateMovie(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	s.movies.CreateMovie(t.Context(), m)
	if c.ID != m.ID {
		t.Fatalf("film ids differ: store %d, fake %d", c.ID, m.ID)
	}
}

func hypertubeUserFilter() hypertube.UserFilter { return hypertube.UserFilter{Limit: 100} }

// createUser adds an account straight to the store, without a password:
// quicker than signing up when only its existence matters.
func createUser(t *testing.T, s *site, username string) *hypertube.User {
	t.Helper()
	u := &hypertube.User{Username: username, Email: username + "@example.org", FirstName: "F", LastName: "L"}
	if err := s.users.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u
}
