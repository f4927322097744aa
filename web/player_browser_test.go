package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hypertube/hypertube/internal/browsertest"
	"github.com/hypertube/hypertube/media"
)

// TestPlayerInChromium plays every fixture in one headless Chromium: the
// file itself when the browser plays it, else a conversion through
// hls.js. Each plays, seeks to 70 %, the second audio track of the HEVC
// film can be chosen, the MKV's own subtitle shows at its time, and
// leaving the page ends the conversion within the idle timer.
func TestPlayerInChromium(t *testing.T) {
	const idle = 2 * time.Second
	s := newPlayerSite(t, 4, idle)
	// Slower than a disk, faster than the films play, like a good swarm.
	s.engine.rate = 2 << 20
	films := map[string]int64{}
	for i, key := range []string{"h264", "hevc", "avi", "mp4"} {
		films[key] = s.addFixtureFilm(t, key, fmt.Sprintf("%040x", 0xc0+i)).ID
	}

	ctx, console := browsertest.New(t)
	player := browsertest.NewPlayer(t, ctx, console)
	step, wait := player.Step, player.Wait
	const video = `document.getElementById('video')`
	playing := func(what, above string) {
		t.Helper()
		step(what+": play", chromedp.Evaluate[chromedp.Void](video+`.play().catch(() => {})`))
		wait(what, `(() => { const v = `+video+`; return !v.paused && !v.seeking && v.currentTime > `+above+`; })()`, 20*time.Second)
	}

	step("sign in", chromedp.Navigate(s.URL+"/signin"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "tester"), chromedp.SendKeys("#password", testPassword),
		chromedp.Click(".account-form button"), chromedp.WaitVisible(".site-nav .nav-me"))

	for _, key := range []string{"mp4", "h264", "avi", "hevc"} {
		step(key+": film page", chromedp.Navigate(fmt.Sprintf("%s/movies/%d", s.URL, films[key])))
		wantMode := "Converting: "
		if key == "mp4" {
			wantMode = "Playing directly"
		}
		wait(key+": decision shown", `document.getElementById('play-mode').textContent.startsWith(`+quoteJS(wantMode)+`)`, 20*time.Second)
		playing(key, "1")
		dur, err := chromedp.Run(ctx, chromedp.Evaluate[float64](video+`.duration`))
		if err != nil || dur < fixtureLength.Seconds()-1 || dur > fixtureLength.Seconds()+1 {
			t.Errorf("%s: duration %v (%v), want the film's %v", key, dur, err, fixtureLength)
		}

		if key == "h264" {
			// The MKV's own English subtitle is on, and its cue shows at 2 s.
			step("subtitle: seek", chromedp.Evaluate[chromedp.Void](video+`.currentTime = 1.5`))
			wait("subtitle cue", `(() => { const tt = `+video+`.textTracks[0];
				return tt && tt.mode === 'showing' && tt.activeCues && tt.activeCues.length > 0 &&
					tt.activeCues[0].text.includes('Hello there'); })()`, 15*time.Second)
		}

		step(key+": seek to 70%", chromedp.Evaluate[chromedp.Void](`(() => { const v = `+video+`; v.currentTime = v.duration * 0.7; })()`))
		playing(key+" after the seek", fmt.Sprintf("%f", 0.7*fixtureLength.Seconds()+0.5))

		if key == "hevc" {
			me, err := s.users.FindUserByLogin(t.Context(), "tester")
			if err != nil {
				t.Fatal(err)
			}
			// The conversion of track 2 lives at least the idle time; it is
			// looked for often enough to see it.
			second := media.SessionKey{Viewer: fmt.Sprint(me.ID), Film: fmt.Sprintf("%d/1.original.xx", films[key]), AudioTrack: 1}
			seen := make(chan bool, 1)
			go func() {
				for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
					if _, ok := s.manager.Get(second); ok {
						seen <- true
						return
					}
				}
				seen <- false
			}()
			step("second audio track", chromedp.Evaluate[chromedp.Void](`(() => {
				const s = document.getElementById('audio-select');
				s.value = '1';
				s.dispatchEvent(new Event('change'));
			})()`))
			wait("second audio track chosen", `!document.getElementById('audio-select').hidden &&
				document.getElementById('audio-select').selectedOptions[0].textContent.startsWith('Français')`, 10*time.Second)
			// The swap keeps the position, near 70 %, and plays on.
			wait("playing on the second track", `(() => { const v = `+video+`;
				return !v.paused && v.currentTime > `+fmt.Sprintf("%f", 0.7*fixtureLength.Seconds())+` && v.readyState >= 3; })()`, 20*time.Second)
			if !<-seen {
				t.Errorf("choosing the second audio track started no conversion of it")
			}
		}
	}

	// Leaving the page stops the player; the conversions end once idle.
	step("leave", chromedp.Navigate(s.URL+"/users"))
	deadline := time.Now().Add(idle + 10*time.Second)
	for s.manager.Len() > 0 || s.runner.Running() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after leaving: %d conversions, %d ffmpeg jobs still running", s.manager.Len(), s.runner.Running())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}

func quoteJS(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
