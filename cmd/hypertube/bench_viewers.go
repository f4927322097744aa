package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"
)

// benchViewers has many people watch the five viewer films at once from a
// fresh server, the seeder throttled to 1.5× what the films need, and counts
// the times a player ran out of data after it had started.
func benchViewers(ctx context.Context, b *bench) ([]*benchMetric, error) {
	readers := b.cfg.viewers - b.cfg.tabs
	who := fmt.Sprintf("%d Chromium tabs + %d HTTP readers at real-time bitrate", b.cfg.tabs, readers)
	total := &benchMetric{Name: fmt.Sprintf("stalls, %d viewers on %d films", b.cfg.viewers, viewerFilms), Unit: "", Goal: atMost(0), Note: who}
	inTabs := &benchMetric{Name: "  of which in Chromium tabs", Unit: "", Note: "'waiting' after the first 'playing'"}
	inReaders := &benchMetric{Name: "  of which in HTTP readers", Unit: "", Note: "bytes short of the play head"}
	metrics := []*benchMetric{total, inTabs, inReaders}

	b.progress("preparing %d viewer films in %s", viewerFilms, b.cfg.work)
	films, err := makeViewerFilms(ctx, b.runner, b.cfg.work, b.cfg.watch)
	if err != nil {
		return metrics, err
	}
	var demand float64
	for _, f := range films {
		demand += f.rate()
	}
	rate := int64(1.5 * demand)
	total.Note += fmt.Sprintf("; seeder at %.2f MB/s, 1.5× the films' %.2f MB/s", float64(rate)/1e6, demand/1e6)
	sw, err := startSwarm(ctx, b.log, rate, films...)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()

	perRun := 3*b.cfg.watch + 2*time.Minute
	phaseCtx, cancel := context.WithTimeout(ctx, time.Duration(b.cfg.runs)*perRun+time.Minute)
	defer cancel()
	var browser context.Context
	if b.cfg.tabs > 0 {
		var stop func()
		if browser, stop, err = startChromium(phaseCtx); err != nil {
			return metrics, err
		}
		defer stop()
	}
	err = b.eachRun(phaseCtx, "viewers", perRun, func(ctx context.Context, run int) error {
		site, err := b.newSite(ctx)
		if err != nil {
			return err
		}
		defer b.closeSite(site)
		if err := site.addAll(ctx, sw); err != nil {
			return err
		}
		stalls := make([]int, b.cfg.viewers)
		errs := make([]error, b.cfg.viewers)
		var wg sync.WaitGroup
		for v := range b.cfg.viewers {
			film := v % len(films)
			wg.Go(func() {
				if v < b.cfg.tabs {
					var at []float64
					stalls[v], at, errs[v] = watchInTab(ctx, browser, site, site.movies[film], b.cfg.watch)
					if len(at) > 0 {
						b.progress("    tab %d (film %d) stalled at film time %.2f s", v+1, film+1, at)
					}
				} else {
					var at []float64
					stalls[v], at, errs[v] = watchOverHTTP(ctx, site, site.movies[film], films[film], b.cfg.watch)
					if len(at) > 0 {
						b.progress("    reader %d (film %d) stalled at film time %.2f s", v+1, film+1, at)
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.progress("    viewers: %v", err)
			total.Failed++
			inTabs.Failed++
			inReaders.Failed++
			return nil
		}
		var tabs, http int
		for v, n := range stalls {
			if v < b.cfg.tabs {
				tabs += n
			} else {
				http += n
			}
		}
		total.add(float64(tabs + http))
		inTabs.add(float64(tabs))
		inReaders.add(float64(http))
		return nil
	})
	return metrics, err
}

// watchJS starts the film and counts 'waiting' events once it has played.
// It runs once videoReadyJS has seen the player get its source.
const watchJS = `(() => {
  const v = document.getElementById('video');
  window.benchViewer = {playing: false, stalls: 0, at: []};
  v.addEventListener('playing', () => { benchViewer.playing = true; });
  v.addEventListener('waiting', () => {
    if (benchViewer.playing) { benchViewer.stalls++; benchViewer.at.push(v.currentTime); }
  });
  v.play().catch(() => {});
})()`

type tabState struct {
	Time    float64   `json:"time"`
	Stalls  int       `json:"stalls"`
	Error   string    `json:"error"`
	StallAt []float64 `json:"at"` // film times of the stalls, for the progress lines
}

const tabStateJS = `(() => { const v = document.getElementById('video');
  return {time: v.currentTime, stalls: benchViewer.stalls, at: benchViewer.at, error: v.error ? v.error.message || 'media error ' + v.error.code : ''}; })()`

// watchInTab watches film id of site in a new tab, signed in as the bench
// user, for watch of film time.
func watchInTab(ctx context.Context, browser context.Context, site *benchSite, id int64, watch time.Duration) (stalls int, at []float64, err error) {
	tab, closeTab, err := openTab(browser, site)
	if err != nil {
		return 0, nil, err
	}
	defer closeTab()
	deadline := 3*watch + time.Minute
	tab, cancel := context.WithTimeout(tab, deadline)
	defer cancel()
	// The tab hangs off the browser, not off the run: end it with the run too.
	defer context.AfterFunc(ctx, cancel)()
	if err := chromedp.Do(tab, chromedp.Navigate(site.pageURL(id))); err != nil {
		return 0, nil, fmt.Errorf("tab: %w", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](videoReadyJS, chromedp.EvalAwaitPromise)); err != nil {
		return 0, nil, fmt.Errorf("tab: the film's page (signed in?): %w", err)
	}
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](watchJS)); err != nil {
		return 0, nil, fmt.Errorf("tab: %w", err)
	}
	var st tabState
	for {
		var err error
		st, err = chromedp.Run(tab, chromedp.Evaluate[tabState](tabStateJS))
		switch {
		case err != nil:
			return 0, nil, fmt.Errorf("tab watched %.1f s of %v: %w", st.Time, watch, err)
		case st.Error != "":
			return 0, nil, fmt.Errorf("tab: the player failed: %s", st.Error)
		case st.Time >= watch.Seconds():
			return st.Stalls, st.StallAt, nil
		}
		select {
		case <-tab.Done():
			return 0, nil, fmt.Errorf("tab watched only %.1f s of %v within %v", st.Time, watch, deadline)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// HTTP viewers behave like a player: they start once a second of film is
// in, play in real time while the bytes of the play head (and half a second
// more, for the decoder) are in, wait for a second's worth when they are
// not, and read at most ahead of the play head, as a browser's buffer does.
const (
	viewerStart  = time.Second
	viewerMargin = 500 * time.Millisecond
	viewerAhead  = 30 * time.Second
)

// watchOverHTTP reads film id as a player at its average bitrate would and
// counts the times the play head caught up with the data, and at which
// film times (seconds).
func watchOverHTTP(ctx context.Context, site *benchSite, id int64, f benchFilm, watch time.Duration) (int, []float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*watch+time.Minute)
	defer cancel()
	res, err := site.get(ctx, id, 0)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	rate := f.rate()
	bytesAt := func(d time.Duration) int64 { return min(f.Size, int64(d.Seconds()*rate)) }
	var received, head atomic.Int64 // bytes; play head in nanoseconds
	readDone := make(chan error, 1)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			if received.Load() >= bytesAt(time.Duration(head.Load())+viewerAhead) && received.Load() < f.Size {
				select {
				case <-ctx.Done():
					readDone <- ctx.Err()
					return
				case <-time.After(20 * time.Millisecond):
				}
				continue
			}
			n, err := res.Body.Read(buf)
			received.Add(int64(n))
			if err != nil {
				if errors.Is(err, io.EOF) && received.Load() == f.Size {
					err = nil
				}
				readDone <- err
				return
			}
		}
	}()

	const tick = 20 * time.Millisecond
	playing, stalls := false, 0
	var at []float64
	t := time.NewTicker(tick)
	defer t.Stop()
	for time.Duration(head.Load()) < watch {
		select {
		case <-ctx.Done():
			return 0, nil, fmt.Errorf("an HTTP viewer watched only %v of %v", time.Duration(head.Load()).Round(time.Second), watch)
		case err := <-readDone:
			if err != nil {
				return 0, nil, fmt.Errorf("an HTTP viewer's stream failed: %w", err)
			}
			readDone = nil // all bytes are in; play to the end of the watch
		case <-t.C:
		}
		pos := time.Duration(head.Load())
		have := received.Load()
		switch {
		case playing && have < bytesAt(pos+viewerMargin):
			playing = false
			stalls++
			at = append(at, pos.Seconds())
		case !playing && have >= bytesAt(pos+viewerStart):
			playing = true
		}
		if playing {
			head.Add(int64(tick))
		}
	}
	return stalls, at, nil
}
