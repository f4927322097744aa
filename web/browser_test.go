package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/web"
)

// TestFilmPlaysInChromium plays a real H.264/AAC film through the site in
// headless Chromium, served by the fake engine at a fraction of real speed,
// seeks, and checks the page stays free of console errors.
func TestFilmPlaysInChromium(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	film := filepath.Join(dir, "film.mp4")
	ff := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i", "sine",
		"-t", "10", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-movflags", "+faststart", film)
	if out, err := ff.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(film)
	if err != nil {
		t.Fatal(err)
	}

	// Short, so that the film without peers gives up within the test.
	s := newSite(t, func(c *web.Config) { c.FirstByteTimeout = 3 * time.Second })
	const ih = "5555555555555555555555555555555555555555"
	s.engine.addTorrent(ih, "Test Pattern", fakeFile{path: "Test Pattern/test.mp4", data: data})
	// About a third of the film per second: slower than a disk, faster
	// than the film plays.
	s.engine.rate = max(len(data)/3, 64<<10)
	half := int64(len(data) / 2)
	s.engine.setStatus(ih, func(st *hypertube.TorrentStatus) {
		st.Peers, st.Seeders, st.DownloadRate = 4, 2, float64(s.engine.rate)
		st.Buffered = []hypertube.ByteRange{{Start: 0, End: half}}
		st.BytesCompleted = half
	})
	m := &hypertube.Movie{Title: "Test Pattern", Year: 2025, Summary: "Ten seconds of colour bars and a sine tone.",
		Genres: []string{"Test"}, Runtime: 1, InfoHash: ih, Magnet: "magnet:?xt=urn:btih:" + ih}
	s.addFilm(t, m)
	page := s.URL + movieURL(m.ID)

	var (
		mu       sync.Mutex
		problems []string
	)
	listen := func(ev any) {
		var p string
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p = "console." + string(ev.Type) + ": " + strings.Join(args, " ")
			}
		case *runtime.EventExceptionThrown:
			p = "exception: " + ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				p += " " + ev.ExceptionDetails.Exception.Description
			}
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				p = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
			}
		}
		if p != "" {
			mu.Lock()
			problems = append(problems, p)
			mu.Unlock()
		}
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithListener(listen))
	defer cancelBrowser()

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tgt)
			if err != nil {
				return err
			}
			return saveScreenshot(t, dir, name, png)
		})
	}
	const video = `document.getElementById('video')`
	step := func(what string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		if _, err := chromedp.Run(bctx, a); err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("%s: %v\nconsole problems so far: %q", what, err, problems)
		}
	}

	step("sign in", chromedp.Steps(
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "tester"),
		chromedp.SendKeys("#password", testPassword),
		chromedp.Click(".account-form button"),
		chromedp.WaitVisible(".card-poster"),
	))
	step("phone home page", chromedp.Steps(
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible(".card-poster"),
		shot("home-390x844.png"),
	))
	// The grid has two columns on a phone.
	cols, err := chromedp.Run(bctx, chromedp.Evaluate[int](
		`getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ').length`))
	if err != nil || cols != 2 {
		t.Errorf("phone grid has %d columns (%v), want 2", cols, err)
	}

	step("film page", chromedp.Steps(
		chromedp.Navigate(page),
		chromedp.Poll[chromedp.Void](`document.getElementById('status-line').textContent.includes('% verified')`,
			chromedp.WithPollingTimeout(15*time.Second)),
	))
	step("play", chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](video+`.play()`, chromedp.EvalAwaitPromise),
		chromedp.Poll[chromedp.Void](video+`.currentTime > 2`, chromedp.WithPollingTimeout(40*time.Second)),
		shot("film-390x844.png"),
	))
	step("seek to 70%", chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](`(() => { const v = `+video+`; v.currentTime = v.duration * 0.7; })()`),
		chromedp.Poll[chromedp.Void](`(() => { const v = `+video+`; return !v.seeking && !v.paused && v.currentTime > v.duration * 0.7 + 1; })()`,
			chromedp.WithPollingTimeout(40*time.Second)),
	))

	status, err := chromedp.Run(bctx, chromedp.Text("#status-line"))
	if err != nil || !strings.Contains(status, "4 peers") || !regexp.MustCompile(`\b(49\.9|50)% verified`).MatchString(status) {
		t.Errorf("status line = %q (%v), want peers and percent", status, err)
	}
	ui, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]any](`({
		ranges: document.querySelectorAll('#bar-ranges .bar-range').length,
		rangeWidth: Math.round(parseFloat(document.querySelector('#bar-ranges .bar-range')?.style.width)),
		headShown: !document.getElementById('bar-head').hidden,
		videoError: !document.getElementById('video-error').hidden,
	})`))
	if err != nil || ui["ranges"] != 1.0 || ui["rangeWidth"] != 50.0 || ui["headShown"] != true || ui["videoError"] != false {
		t.Errorf("page state = %v (%v); want one buffered range of 50%%, the play head, no video error", ui, err)
	}

	step("desktop", chromedp.Steps(
		chromedp.EmulateViewport(1280, 800),
		shot("film-1280x800.png"),
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible(".card-poster"),
		shot("home-1280x800.png"),
	))

	mu.Lock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
	mu.Unlock()

	// A mistake in the form comes back next to the field, from a real
	// same-origin post that cross-origin protection lets through.
	step("add-film form", chromedp.Steps(
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/"),
		chromedp.Click("details.add summary"),
		chromedp.SendKeys("#magnet", "not a magnet"),
		chromedp.Click(".add-form button"),
		chromedp.WaitVisible("#magnet-error"),
		shot("add-error-390x844.png"),
		chromedp.SetValue("#magnet", "magnet:?xt=urn:btih:6666666666666666666666666666666666666666&dn=Nobody+Shares+This"),
		chromedp.Click(".add-form button"),
		chromedp.WaitVisible("#status"),
	))
	// A film nobody shares says so instead of spinning, and the player's
	// failure after the first-byte timeout reads as a sentence.
	step("film without peers", chromedp.Steps(
		chromedp.Poll[chromedp.Void](`document.getElementById('status-line').textContent.startsWith('No peers found yet')`,
			chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Poll[chromedp.Void](`!document.getElementById('video-error').hidden`, chromedp.WithPollingTimeout(20*time.Second)),
		shot("no-peers-390x844.png"),
	))
	title, err := chromedp.Run(bctx, chromedp.Text("h1.film-title"))
	if err != nil || title != "Nobody Shares This" {
		t.Errorf("added film's title = %q (%v)", title, err)
	}
	msg, err := chromedp.Run(bctx, chromedp.Text("#video-error"))
	if err != nil || !strings.Contains(msg, "could not be played") {
		t.Errorf("video error message = %q (%v)", msg, err)
	}

	if n := s.movies.watchCount(m.ID); n < 1 {
		t.Errorf("playing did not mark the film watched")
	}
	// The page reported how far the person got.
	me, err := s.users.FindUserByLogin(t.Context(), "tester")
	if err != nil {
		t.Fatal(err)
	}
	watched, err := s.watches.ListWatched(t.Context(), me.ID, 10)
	if err != nil || len(watched) == 0 || watched[0].MovieID != m.ID || watched[0].Position <= 0 || watched[0].Duration < 9 {
		t.Errorf("watches of tester = %+v (%v); want film %d with a position and its duration", watched, err, m.ID)
	}
}

// saveScreenshot writes into the test's temp dir and, when
// WEB_SCREENSHOT_DIR is set, also there, so that a person can look at them.
func saveScreenshot(t *testing.T, dir, name string, png []byte) error {
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		return err
	}
	if keep := os.Getenv("WEB_SCREENSHOT_DIR"); keep != "" {
		return os.WriteFile(filepath.Join(keep, name), png, 0o644)
	}
	t.Logf("screenshot %s", filepath.Join(dir, name))
	return nil
}
