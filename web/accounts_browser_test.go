package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hypertube/hypertube/internal/browsertest"
)

// TestAccountInChromium walks a person through their account in a real
// browser: sign up, sign out, sign in, reset the password from the mail,
// switch to French, upload a picture, find someone, delete the account.
func TestAccountInChromium(t *testing.T) {
	s := newSite(t, nil)
	createUser(t, s, "zoe")
	picture := filepath.Join(t.TempDir(), "me.png")
	if err := os.WriteFile(picture, pngOf(t, 400, 300), 0o644); err != nil {
		t.Fatal(err)
	}
	const (
		first  = "First-Password-2024!"
		second = "Second-Password-2025?"
	)

	ctx, console := browsertest.New(t)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 500) : ""`))
			t.Fatalf("%s: %v\nat %s:\n%s\nconsole: %q", what, err, loc, text, console.Errors())
		}
	}
	wait := func(what, expr string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := browsertest.WaitJS(c, expr, 15*time.Second); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 500) : ""`))
			t.Fatalf("%s: %v\nat %s:\n%s\nconsole: %q", what, err, loc, text, console.Errors())
		}
	}
	signIn := func(password string) {
		t.Helper()
		step("sign in", chromedp.WaitVisible("#login"),
			chromedp.SendKeys("#login", "grace"), chromedp.SendKeys("#password", password),
			chromedp.Click(".account-form button"))
	}
	const header = `document.querySelector('.nav-me')?.textContent === 'grace'`

	step("sign-up page", chromedp.Navigate(s.URL+"/movies/1"), chromedp.WaitVisible("#login"),
		chromedp.Click(`.account-links a[href^="/signup"]`), chromedp.WaitVisible("#first_name"))
	step("sign up",
		chromedp.SendKeys("#email", "grace@example.org"), chromedp.SendKeys("#username", "grace"),
		chromedp.SendKeys("#first_name", "Grace"), chromedp.SendKeys("#last_name", "Hopper"),
		chromedp.SendKeys("#password", first), chromedp.Click(".account-form button"))
	wait("back on the film after sign-up", header+` && location.pathname === '/movies/1'`)

	step("sign out", chromedp.Click(".signout-form button"), chromedp.WaitVisible("#login"))
	signIn(first)
	wait("signed in", header)

	step("sign out again", chromedp.Click(".signout-form button"), chromedp.WaitVisible("#login"))
	step("ask for a reset", chromedp.Click(`.account-links a[href="/reset"]`), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "grace@example.org"), chromedp.Click(".account-form button"),
		chromedp.WaitVisible("#reset-sent"))
	link := resetLink.FindString(s.mailer.next(t).Text)
	if link == "" {
		t.Fatal("no link in the reset mail")
	}
	step("reset", chromedp.Navigate(link), chromedp.WaitVisible("#password"),
		chromedp.SendKeys("#password", second), chromedp.Click(".account-form button"))
	wait("signed in after the reset", header+` && location.pathname === '/profile'`)

	step("switch to French", chromedp.SetValue("#lang-select", "fr"), chromedp.Click(".lang-form button"))
	wait("the page in French", `document.documentElement.lang === 'fr' && document.querySelector('h1').textContent === 'Votre profil'`)

	step("upload a picture", chromedp.SetUploadFiles("#picture", []string{picture}),
		chromedp.Click("#picture-form button"))
	wait("picture shown", `(() => { const i = document.querySelector('.profile-head img.avatar'); return !!i && i.complete && i.naturalWidth === 256 })()`)

	step("find zoe", chromedp.Click(`a[href="/users"]`), chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", "zo"), chromedp.Click(".search-form button"))
	wait("zoe found", `[...document.querySelectorAll('.person-name')].map(e => e.textContent).join() === 'zoe'`)
	step("zoe's profile", chromedp.Click(".person a"))
	wait("zoe's page", `document.getElementById('person-username')?.textContent === 'zoe'`)

	step("delete the account", chromedp.Click(".nav-me"), chromedp.WaitVisible("#confirm"),
		chromedp.SendKeys("#confirm", second), chromedp.Click("#delete-form button"))
	wait("deleted", `location.pathname === '/signin' && document.querySelector('.notice') !== null`)
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
	before := len(console.Errors())
	signIn(second)
	wait("sign-in refused", `document.getElementById('form-error') !== null && !document.querySelector('.nav-me')`)
	msg, _ := chromedp.Run(ctx, chromedp.Text("#form-error"))
	if !strings.Contains(msg, "incorrect") {
		t.Errorf("sign-in error after deletion = %q, want the French message", msg)
	}
	// The refused sign-in answers 401, which Chromium reports; nothing else.
	for _, e := range console.Errors()[before:] {
		if !strings.Contains(e, "status of 401") {
			t.Errorf("browser console error: %s", e)
		}
	}
}
