package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/chromium"
)

// startChromium starts a headless Chromium with a fresh profile. It dies
// with ctx; stop closes it earlier and removes the profile.
func startChromium(ctx context.Context) (browser context.Context, stop func(), err error) {
	if _, err := exec.LookPath(chromium.ExecPath); err != nil {
		return nil, nil, fmt.Errorf("Chromium is needed for this phase (apt-get install chromium): %w", err)
	}
	profile, err := os.MkdirTemp("", "hypertube-bench-chromium-")
	if err != nil {
		return nil, nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromium.Options(profile)...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	stop = func() { cancelBrowser(); cancelAlloc(); os.RemoveAll(profile) }
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

// seekSlack is how far before the target a frame counts as the target's.
const seekSlack = 500 * time.Millisecond

var (
	seekTargetJS = strconv.FormatFloat(seekTarget, 'f', -1, 64)
	seekSlackJS  = strconv.FormatFloat(seekSlack.Seconds(), 'f', -1, 64)
)

// playAndSeekJS presses Play, waits for the first frame, lets the film play
// a little, seeks to 70 % and waits for it to play again there.
var playAndSeekJS = `(async () => {` + frameAfterJS + `
  const t0 = performance.now();
  const first = frameAfter(0, t0, 60000);
  v.play().catch(() => {});
  const play = await first;
  const warm = Math.min(1, v.duration * 0.2);
  while (v.currentTime < warm) await new Promise(r => setTimeout(r, 20));
  const target = v.duration * ` + seekTargetJS + `;
  const t1 = performance.now();
  // A frame within half a second before the target is the target's frame.
  const again = frameAfter(target - ` + seekSlackJS + `, t1, 60000);
  v.currentTime = target;
  const seek = await again;
  return [play / 1000, seek / 1000];
})()`

// seekTarget is where the bench seeks, as a share of the film.
const seekTarget = 0.7

// benchPlay opens the film's page on a fresh server in a new tab signed in
// as the bench user, presses Play once the player has its source and seeks
// to 70 %: with the seeder throttled to twice the film's bitrate, and to
// eight times, a modest swarm; either way the seek lands where nothing is
// downloaded yet. How long the bytes from the keyframe before the target
// take at the seeder's rate is noted: no seek can beat that.
func benchPlay(ctx context.Context, b *bench) ([]*benchMetric, error) {
	var metrics []*benchMetric
	from, to, err := b.runner.SeekSpan(ctx, b.big.Path, time.Duration(seekTarget*float64(b.big.Duration))-seekSlack)
	if err != nil {
		return metrics, fmt.Errorf("finding the keyframe before the seek target: %w", err)
	}
	for _, times := range []float64{2, 8} {
		m, err := benchPlayAt(ctx, b, times, to-from)
		metrics = append(metrics, m...)
		if err != nil {
			return metrics, err
		}
	}
	return metrics, nil
}

// benchPlayAt measures Play and seek with the seeder at times the film's
// bitrate; span is the bytes the seek needs.
func benchPlayAt(ctx context.Context, b *bench, times float64, span int64) ([]*benchMetric, error) {
	rate := int64(times * b.big.rate())
	at := fmt.Sprintf("seeder %g× bitrate", times)
	play := &benchMetric{Name: "Play → first frame, " + at, Unit: "s", Goal: atMost(1),
		Note: fmt.Sprintf("Chromium, fresh server, film just added by magnet, player ready, seeder at %.1f MB/s", float64(rate)/1e6)}
	seek := &benchMetric{Name: "seek to 70% → playing, " + at, Unit: "s", Goal: atMost(1),
		Note: fmt.Sprintf("the keyframe before 70%% is %.1f MB back: %.2f s at the seeder's rate, and Chromium buffers past the target before it plays", float64(span)/1e6, float64(span)/float64(rate))}
	metrics := []*benchMetric{play, seek}
	sw, err := startSwarm(ctx, b.log, rate, b.big)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	phaseCtx, cancel := context.WithTimeout(ctx, time.Duration(b.cfg.runs)*3*time.Minute)
	defer cancel()
	browser, stop, err := startChromium(phaseCtx)
	if err != nil {
		return metrics, err
	}
	defer stop()
	err = b.eachRun(phaseCtx, "Play and seek, "+at, 3*time.Minute, func(ctx context.Context, run int) error {
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
			b.progress("    Play and seek, %s: %v", at, err)
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
