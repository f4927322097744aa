package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hypertube/hypertube/internal/browsertest"
)

// TestLibraryInChromium walks a viewer through the library in a real
// browser: the discover page with its watched mark, the infinite scroll and
// the back button, filters, a film page and a comment posted, edited and
// deleted. The page must stay free of console errors.
func TestLibraryInChromium(t *testing.T) {
	s := newLibSite(t)
	films := seedFilms(t, s.store, 70)
	me, err := s.users.FindUserByLogin(t.Context(), "tester")
	must(t, err)
	// Half-way through the most popular film: it is marked watched.
	must(t, s.watches.RecordWatch(t.Context(), me.ID, films[0].ID, 50, 100, s.clock.Now()))

	// The film opened below (the first horror film of the 1980s and 90s)
	// plays a real video, so that its player has nothing to complain of.
	dir := t.TempDir()
	video := filepath.Join(dir, "film.mp4")
	ff := exec.CommandContext(t.Context(), "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-f", "lavfi", "-i", "sine",
		"-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-movflags", "+faststart", video)
	if out, err := ff.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(video)
	must(t, err)
	opened := films[32]
	s.engine.addTorrent(opened.InfoHash, opened.Title, fakeFile{path: opened.Title + "/film.mp4", data: data})

	ctx, console := browsertest.New(t)
	fail := func(what string, err error) {
		t.Helper()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ""`))
		t.Fatalf("%s: %v\nat %s:\n%s\nconsole: %q", what, err, loc, text, console.Errors())
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			fail(what, err)
		}
	}
	wait := func(what, expr string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := browsertest.WaitJS(c, expr, 15*time.Second); err != nil {
			fail(what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		must(t, saveScreenshot(t, dir, name, png))
	}
	const cards = `document.querySelectorAll('#discover-grid .card').length`

	step("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	step("sign in", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "tester"), chromedp.SendKeys("#password", testPassword),
		chromedp.Click(".account-form button"), chromedp.WaitVisible("#discover-grid"))
	wait("first page", cards+` === 24`)
	wait("the watched film is marked",
		`document.querySelector('#discover-grid .card.is-watched a')?.getAttribute('href') === '/movies/`+itoa(films[0].ID)+`'`+
			` && document.querySelector('#discover-grid .is-watched .card-badge').textContent === 'Watched'`)
	wait("continue watching", `document.querySelector('.continue .card-title')?.textContent === '`+films[0].Title+`'`)
	wait("script replaces the next-page link", `document.querySelector('.more-link').hidden`)
	shot("discover-390.png")

	step("scroll to the end", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	wait("second page loads", cards+` >= 48`)
	step("scroll to the end again", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	wait("last page loads, and no more is offered", cards+` === 70 && !document.getElementById('discover-more')`)

	// Open a film of the second page, then come back: same films, same place.
	step("to a film of page 2", chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll('#discover-grid .card')[30].scrollIntoView({block: 'center'})`))
	time.Sleep(300 * time.Millisecond) // the page saves where it is once scrolling stops
	y, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.scrollY`))
	if err != nil || y < 500 {
		t.Fatalf("scrollY = %v (%v)", y, err)
	}
	step("open it", chromedp.Click(`#discover-grid .card:nth-child(31) a`), chromedp.WaitVisible("h1.film-title"))
	step("back", chromedp.NavigateBack())
	wait("films restored", cards+` === 70`)
	wait("scroll restored", `Math.abs(window.scrollY - `+strconv.FormatFloat(y, 'f', 0, 64)+`) < 40`)

	// Filters, reflected in the address.
	step("filter", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Click(".discover-filters summary"), chromedp.WaitVisible("#genre"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('genre').value = 'Horror'`),
		chromedp.SendKeys("#year_min", "1980"), chromedp.SendKeys("#year_max", "1999"),
		chromedp.Click(".filter-actions button"))
	wait("filtered address, without the empty fields", `location.search === '?genre=Horror&year_min=1980&year_max=1999'`)
	wait("filtered films", cards+` === 4 && [...document.querySelectorAll('#discover-grid .card-year')].every(e => +e.textContent >= 1980 && +e.textContent <= 1999)`)
	shot("discover-filtered-390.png")

	// A film, and a comment through its life.
	step("open the film", chromedp.Click(`#discover-grid .card:first-child a`), chromedp.WaitVisible("h1.film-title"))
	wait("its page", `document.querySelector('h1.film-title').textContent === '`+opened.Title+`'`)
	step("comment", chromedp.SendKeys("#comment-body", "Great <b>film</b>\nSecond line"), chromedp.Click(".comment-form button"))
	wait("comment shown as text", `document.querySelector('.comment-body')?.textContent === 'Great <b>film</b>\nSecond line'`+
		` && !document.querySelector('.comment-body b')`)
	shot("film-comment-390.png")
	s.clock.Advance(time.Minute)
	step("edit", chromedp.Click(".comment-edit summary"), chromedp.WaitVisible(".comment-edit textarea"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.comment-edit textarea').value = ''`),
		chromedp.SendKeys(".comment-edit textarea", "Edited: even better"), chromedp.Click(".comment-edit button"))
	wait("comment edited", `document.querySelector('.comment-body')?.textContent === 'Edited: even better'`+
		` && document.querySelector('.comment-edited') !== null`)
	step("delete", chromedp.Click(".comment-delete button"))
	wait("comment gone", `document.querySelector('.comment') === null && document.querySelector('.comments .empty') !== null`)

	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
