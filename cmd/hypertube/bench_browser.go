package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/chromium"
)

// startChromium starts a headless Chromium with a fresh profile in dir. It
// dies with ctx; stop closes it earlier.
func startChromium(ctx context.Context, dir string) (browser context.Context, stop func(), err error) {
	if _, err := exec.LookPath(chromium.ExecPath); err != nil {
		return nil, nil, fmt.Errorf("Chromium is needed for this phase (apt-get install chromium): %w", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromium.Options(dir)...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	stop = func() { cancelBrowser(); cancelAlloc() }
	if err := chromedp.Do(browser); err != nil {
		stop()
		return nil, nil, fmt.Errorf("starting Chromium: %w", err)
	}
	return browser, stop, nil
}

// openTab opens a tab of browser signed in as site's bench user: it is
// given the session cookie the bench's own sign-up got, rather than typing
// the password into the form, which would only add a page load per tab.
func openTab(browser context.Context, site *benchSite) (tab context.Context, closeTab func(), err error) {
	c := site.sessionCookie()
	if c == nil {
		return nil, nil, errors.New("the bench user is not signed in")
	}
	tab, closeTab = chromedp.NewContext(browser)
	httpOnly := true
	_, err = chromedp.Call(tab, network.SetCookie, network.SetCookieParams{
		Name: c.Name, Value: c.Value, URL: site.url, HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax,
	})
	if err != nil {
		closeTab()
		return nil, nil, fmt.Errorf("giving the tab the session cookie: %w", err)
	}
	return tab, closeTab, nil
}

// videoReadyJS waits until the player script has given the video its
// source (it first asks the server how to play the film), so that Play is
// pressed on a player a person would see as ready.
const videoReadyJS = `(async () => {
  const v = document.getElementById('video');
  if (!v) throw new Error('the film page has no #video element');
  const t0 = performance.now();
  while (!v.currentSrc && !v.getAttribute('src')) {
    if (performance.now() - t0 > 30000) throw new Error('the player got no source within 30 s');
    await new Promise(r => setTimeout(r, 10));
  }
  return true;
})()`

// frameAfterJS defines frameAfter(min, t0, limitMs): a promise of the
// milliseconds from t0 until the video shows a frame at or past min seconds
// and plays on. requestVideoFrameCallback sees the frame itself; the polling
// also accepts a clock moving past min, in case no callback comes.
const frameAfterJS = `
const v = document.getElementById('video');
const frameAfter = (min, t0, limit) => new Promise((resolve, reject) => {
  let done = false;
  const finish = (ok) => {
    if (done) return;
    done = true;
    clearInterval(iv);
    if (ok) resolve(performance.now() - t0);
    else reject(new Error('no frame at ' + min.toFixed(2) + ' s within ' + limit + ' ms (readyState ' +
      v.readyState + ', currentTime ' + v.currentTime.toFixed(2) + (v.error ? ', error ' + v.error.message : '') + ')'));
  };
  const onFrame = (now, meta) => {
    if (done) return;
    if (meta.mediaTime >= min && !v.seeking) finish(true);
    else v.requestVideoFrameCallback(onFrame);
  };
  if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(onFrame);
  const iv = setInterval(() => {
    if (!v.seeking && !v.paused && v.readyState >= 2 && v.currentTime > min) finish(true);
    else if (performance.now() - t0 > limit) finish(false);
  }, 10);
});
`

// playAndSeekJS presses Play, waits for the first frame, lets the film play
// a little, seeks to 70 % and waits for it to play again there.
const playAndSeekJS = `(async () => {` + frameAfterJS + `
  const t0 = performance.now();
  const first = frameAfter(0, t0, 60000);
  v.play().catch(() => {});
  const play = await first;
  const warm = Math.min(1, v.duration * 0.2);
  while (v.currentTime < warm) await new Promise(r => setTimeout(r, 20));
  const target = v.duration * 0.7;
  const t1 = performance.now();
  // A frame within half a second before the target is the target's frame.
  const again = frameAfter(target - 0.5, t1, 60000);
  v.currentTime = target;
  const seek = await again;
  return [play / 1000, seek / 1000];
})()`

// benchPlay opens the film's page on a fresh server in a new tab signed in
// as the bench user, presses Play once the player has its source and seeks
// to 70 %, with the seeder throttled to twice the film's bitrate so that the
// seek lands where nothing is downloaded yet.
func benchPlay(ctx context.Context, b *bench) ([]*benchMetric, error) {
	play := &benchMetric{Name: "Play → first frame (Chromium)", Unit: "s", Goal: atMost(1), Note: "fresh server, film just added by magnet, player ready"}
	seek := &benchMetric{Name: "seek to 70% → playing", Unit: "s", Goal: atMost(1)}
	metrics := []*benchMetric{play, seek}
	rate := int64(2 * b.big.rate())
	play.Note += fmt.Sprintf(", seeder at %.1f MB/s (2× bitrate)", float64(rate)/1e6)
	sw, err := startSwarm(ctx, b.log, rate, b.big)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	profile, err := os.MkdirTemp("", "hypertube-bench-chromium-")
	if err != nil {
		return metrics, err
	}
	defer os.RemoveAll(profile)
	phaseCtx, cancel := context.WithTimeout(ctx, time.Duration(b.cfg.runs)*3*time.Minute)
	defer cancel()
	browser, stop, err := startChromium(phaseCtx, profile)
	if err != nil {
		return metrics, err
	}
	defer stop()
	err = b.eachRun(phaseCtx, "Play and seek", 3*time.Minute, func(ctx context.Context, run int) error {
		site, err := b.newSite(ctx)
		if err != nil {
			return err
		}
		defer b.closeSite(site)
		if err := site.addAll(ctx, sw); err != nil {
			return err
		}
		// Each run has its own server, hence its own origin: nothing of an
		// earlier run is in the browser's cache.
		tab, closeTab, err := openTab(browser, site)
		if err != nil {
			return err
		}
		defer closeTab()
		tab, cancel := context.WithTimeout(tab, 2*time.Minute)
		defer cancel()
		if err := chromedp.Do(tab, chromedp.Navigate(site.pageURL(site.movies[0]))); err != nil {
			return fmt.Errorf("opening the film's page: %w", err)
		}
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](videoReadyJS, chromedp.EvalAwaitPromise)); err != nil {
			return fmt.Errorf("the film's page (signed in?): %w", err)
		}
		got, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](playAndSeekJS, chromedp.EvalAwaitPromise))
		if err == nil && len(got) != 2 {
			err = errors.New("the page's script gave no timings")
		}
		if err != nil {
			b.progress("    Play and seek: %v", err)
			play.Failed++
			seek.Failed++
			return nil
		}
		play.add(got[0])
		seek.add(got[1])
		return nil
	})
	return metrics, err
}
