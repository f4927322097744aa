package main

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/browsertest"
)

// startServe runs `hypertube serve` in-process with args and returns its
// base URL; the server stops at cleanup.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	base, stop, err := startInProcess(context.Background(), append([]string{"hypertube", "serve"}, args...), testLogWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return base
}

type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var movieLink = regexp.MustCompile(`href="(/movies/\d+)"[^>]*>(?s:(.*?))</a>`)

// waitForFilm polls the home page until a film whose card mentions want
// appears, and returns its page's path.
func waitForFilm(t *testing.T, client *http.Client, base, want string) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if res, err := client.Get(base + "/"); err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			for _, m := range movieLink.FindAllStringSubmatch(string(body), -1) {
				if strings.Contains(m[2], want) {
					return m[1]
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("no film matching %q on the home page after 3 minutes", want)
	return ""
}

type statusEvent struct {
	Peers          int     `json:"peers"`
	Percent        float64 `json:"percent"`
	BytesCompleted int64   `json:"bytesCompleted"`
	Length         int64   `json:"length"`
}

// readStatus reads one status event of a film's server-sent events.
func readStatus(t *testing.T, client *http.Client, url string) statusEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
			var ev statusEvent
			if err := json.Unmarshal([]byte(strings.TrimSpace(data)), &ev); err != nil {
				t.Fatalf("status event %q: %v", data, err)
			}
			return ev
		}
	}
	t.Fatalf("no status event from %s: %v", url, sc.Err())
	return statusEvent{}
}

// TestServePlaysWhileDownloading is the whole product in one test: serve
// with a throttled demo swarm, open a film in Chromium, press Play; the
// video plays while less than half of the torrent is verified, a seek to
// 70 % plays, and the console stays clean.
func TestServePlaysWhileDownloading(t *testing.T) {
	data := t.TempDir()
	base := startServe(t, "--addr", "127.0.0.1:0", "--data", data, "--torrent-addr", "127.0.0.1:0",
		"--no-dht", "--no-pex", "--no-utp", "--demo-rate", "768K", "--log-level", "warn")
	client := signUp(t, base, "viewer", "viewer@example.org", e2ePassword)
	film := waitForFilm(t, client, base, "Color Bars")

	ctx, console := browsertest.New(t)
	step, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(step,
		chromedp.Navigate(base+film),
		chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "viewer"),
		chromedp.SendKeys("#password", e2ePassword),
		chromedp.Click(".account-form button"),
		chromedp.WaitReady("#video"),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	start := time.Now()
	if err := chromedp.Do(step, chromedp.Navigate(base+film)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(step, chromedp.Evaluate[chromedp.Void](`document.querySelector("video").play().catch(() => {}); 0`)); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.WaitJS(step, `document.querySelector("video").currentTime > 2`, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("Play → 2 s of video in %v", time.Since(start))
	st := readStatus(t, client, base+film+"/events")
	if st.Length == 0 || st.BytesCompleted*2 >= st.Length {
		t.Errorf("video passed 2 s with %d of %d bytes verified; want less than half (is the demo swarm throttled?)", st.BytesCompleted, st.Length)
	}
	if st.Peers < 1 {
		t.Errorf("status reports %d peers while playing", st.Peers)
	}
	seek := `(() => { const v = document.querySelector("video"); window.seekTarget = v.duration * 0.7; v.currentTime = window.seekTarget; return true })()`
	if _, err := chromedp.Run(step, chromedp.Evaluate[bool](seek)); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.WaitJS(step, `(() => { const v = document.querySelector("video"); return !v.paused && v.currentTime > window.seekTarget + 1 })()`, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
}

const e2ePassword = "Correct-Horse-Battery-42"

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// signUp makes an account through the site's form and returns a client
// signed in as it.
func signUp(t *testing.T, base, username, email, password string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := client.Get(base + "/signup")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfMeta.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the sign-up page (status %d)", res.StatusCode)
	}
	res, err = client.PostForm(base+"/signup", url.Values{
		"csrf": {html.UnescapeString(string(m[1]))}, "email": {email}, "username": {username},
		"first_name": {"Vera"}, "last_name": {"Viewer"}, "password": {password},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/" {
		t.Fatalf("sign up ended at %s with status %d, want the home page", res.Request.URL, res.StatusCode)
	}
	return client
}
