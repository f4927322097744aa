package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/browsertest"
)

// TestServeConvertsInChromium plays the demo films over the real demo
// swarm, throttled: the MKV (H.264, two AAC tracks, an English subtitle
// track) through a remux to HLS, with a seek to 70 %, the second audio
// track and its subtitle cue at its time; leaving the page ends its
// ffmpeg within the idle timer. The WebM (VP9/Opus) plays directly.
func TestServeConvertsInChromium(t *testing.T) {
	const idle = 3 * time.Second
	began := time.Now()
	data := t.TempDir()
	base := startServe(t, "--addr", "127.0.0.1:0", "--data", data, "--torrent-addr", "127.0.0.1:0",
		"--no-dht", "--no-pex", "--no-utp", "--demo-rate", "2MiB", "--log-level", "warn",
		"--convert-idle", idle.String(), "--vendor-dir", filepath.Join("..", "..", "node_modules"))
	client := signUp(t, base, "convert", "convert@example.org", e2ePassword)
	mkv := waitForFilm(t, client, base, "Two Tones")
	webm := waitForFilm(t, client, base, "Short Loop")
	t.Logf("serve up with the demo films in %v", time.Since(began).Round(time.Millisecond))

	ctx, console := browsertest.New(t)
	player := browsertest.NewPlayer(t, ctx, console)
	step, wait := player.Step, player.Wait
	const video = `document.getElementById('video')`
	playingPast := func(at string) string {
		return `(() => { const v = ` + video + `; return !v.paused && !v.seeking && v.readyState >= 3 && v.currentTime > ` + at + `; })()`
	}

	// Signing in from /signin, not from the film's page, keeps its player
	// from asking /play for a page about to go.
	step("sign in", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", "convert"), chromedp.SendKeys("#password", e2ePassword),
		chromedp.Click(".account-form button"), chromedp.WaitVisible(".site-nav .nav-me"))

	// The MKV: a remux, and the page says why.
	start := time.Now()
	step("MKV page", chromedp.Navigate(base+mkv))
	wait("remux chosen", `document.getElementById('player-controls').dataset.mode === 'remux' &&
		document.getElementById('play-mode').textContent.includes('copied into HLS without re-encoding')`, 30*time.Second)
	step("play", chromedp.Evaluate[chromedp.Void](video+`.play().catch(() => {})`))
	wait("MKV plays past 2 s", playingPast("2"), 60*time.Second)
	t.Logf("MKV: page → 2 s of converted video in %v", time.Since(start).Round(time.Millisecond))
	if n := len(conversionsIn(t, data)); n != 1 {
		t.Errorf("the MKV plays with %d conversions in the data directory, want 1", n)
	}
	if dur, err := chromedp.Run(ctx, chromedp.Evaluate[float64](video+`.duration`)); err != nil || dur < 88 || dur > 92 {
		t.Errorf("duration %v (%v), want the film's 90 s", dur, err)
	}

	step("seek to 70%", chromedp.Evaluate[chromedp.Void](`(() => { const v = `+video+`; window.seekTarget = v.duration * 0.7; v.currentTime = window.seekTarget; })()`))
	took := wait("plays after the seek", playingPast(`window.seekTarget + 1`), 30*time.Second)
	t.Logf("MKV: seek to 70 %% → 1 s played in %v", took.Round(time.Millisecond))

	// The English subtitle, extracted from the MKV, shows the cue of the
	// moment: the demo's cue n runs from 5(n-1) s for 4 s.
	took = wait("subtitle cue at its time", `(() => { const v = `+video+`, tt = v.textTracks[0];
		if (!tt || tt.mode !== 'showing' || !tt.activeCues || tt.activeCues.length === 0) return false;
		const n = Math.floor(v.currentTime / 5) + 1;
		return v.currentTime % 5 < 3.8 && tt.activeCues[0].text.startsWith('Subtitle ' + n + ',');
	})()`, 15*time.Second)
	t.Logf("MKV: subtitle cue matched in %v", took.Round(time.Millisecond))

	// The second audio track: a conversion of it starts and the film plays
	// on from where it was.
	at, err := chromedp.Run(ctx, chromedp.Evaluate[float64](video+`.currentTime`))
	if err != nil {
		t.Fatal(err)
	}
	wait("two audio tracks offered", `document.getElementById('audio-select').options.length === 2 && !document.getElementById('audio-select').hidden`, 5*time.Second)
	start = time.Now()
	step("second audio track", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('audio-select');
		s.value = '1';
		s.dispatchEvent(new Event('change'));
	})()`))
	wait("second track chosen", `document.getElementById('audio-select').value === '1'`, 10*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for !hasArg(ffmpegsOf(t, data), "0:a:1") {
		if time.Now().After(deadline) {
			t.Fatalf("choosing the second audio track started no ffmpeg that maps it; running: %q", ffmpegsOf(t, data))
		}
		time.Sleep(50 * time.Millisecond)
	}
	wait("plays on the second track", playingPast(strconv.FormatFloat(at+1, 'f', 3, 64)), 30*time.Second)
	t.Logf("MKV: second audio track → playing on in %v", time.Since(start).Round(time.Millisecond))

	// Leaving: the idle timer ends the conversions and any ffmpeg still
	// at work on them. A remux may have reached the film's end already,
	// so the conversions, alive until the timer, are what must be there.
	if dirs := conversionsIn(t, data); len(dirs) == 0 {
		t.Errorf("no conversion is alive before leaving the page")
	}
	t.Logf("MKV: leaving with %d ffmpeg running", len(ffmpegsOf(t, data)))
	step("leave", chromedp.Navigate(base+"/"))
	left := time.Now()
	deadline = left.Add(idle + 10*time.Second)
	for {
		running, dirs := ffmpegsOf(t, data), conversionsIn(t, data)
		if len(running) == 0 && len(dirs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after leaving the page, ffmpeg still runs: %q; conversions left: %q",
				time.Since(left).Round(time.Millisecond), running, dirs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("MKV: ffmpeg and conversions gone %v after leaving the page (idle timer %v)", time.Since(left).Round(time.Millisecond), idle)

	// The WebM: the browser plays the file itself.
	start = time.Now()
	step("WebM page", chromedp.Navigate(base+webm))
	wait("direct play chosen", `document.getElementById('player-controls').dataset.mode === 'direct'`, 30*time.Second)
	step("play WebM", chromedp.Evaluate[chromedp.Void](video+`.play().catch(() => {})`))
	wait("WebM plays past 2 s", playingPast("2"), 60*time.Second)
	t.Logf("WebM: page → 2 s of direct video in %v", time.Since(start).Round(time.Millisecond))
	if src, err := chromedp.Run(ctx, chromedp.Evaluate[string](video+`.currentSrc`)); err != nil || strings.HasPrefix(src, "blob:") {
		t.Errorf("the WebM plays from %q (%v), want the file itself, not an HLS stream", src, err)
	}
	if running := ffmpegsOf(t, data); len(running) > 0 {
		t.Errorf("the WebM plays directly, yet ffmpeg runs: %q", running)
	}

	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
	t.Logf("whole test: %v", time.Since(began).Round(time.Millisecond))
}

// ffmpegsOf lists the command lines of the ffmpeg processes whose
// arguments mention dir: this server's conversions, not another test's.
func ffmpegsOf(t *testing.T, dir string) [][]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found [][]string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue // gone, or a zombie
		}
		args := strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
		if filepath.Base(args[0]) != "ffmpeg" || !strings.Contains(string(b), dir) {
			continue
		}
		found = append(found, args)
	}
	return found
}

// conversionsIn lists the conversions' segment directories under the
// data directory.
func conversionsIn(t *testing.T, data string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(data, "conversions", "hypertube-hls-*"))
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}

// hasArg reports whether one of the command lines has arg.
func hasArg(cmds [][]string, arg string) bool {
	for _, c := range cmds {
		for _, a := range c {
			if a == arg {
				return true
			}
		}
	}
	return false
}
