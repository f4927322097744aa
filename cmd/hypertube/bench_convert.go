package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/media"
)

// convertFilm is a film of the convert phase and what the player must make
// of it in Chromium.
type convertFilm struct {
	label string // in the names of its rows
	name  string // of its folder and file in --work
	mode  string // the player's choice: "remux" or "transcode"
	spec  media.TestFilm
}

// convertFilmRate is the video bitrate of the convert films, in bits/s:
// a modest 720p stream, so that the seeder's throttle, not the loopback,
// sets the pace.
const convertFilmRate = 3_000_000

// convertFilms describes the two films of the convert phase: an MKV the
// player remuxes (H.264/AAC copied into HLS) and one it transcodes (HEVC and
// AC3, which Chromium decodes neither of, to H.264/AAC).
func convertFilms(length time.Duration, width, height int) []convertFilm {
	size := fmt.Sprintf("%dp-%ds", height, int(length.Seconds()))
	base := media.TestFilm{Duration: length, Width: width, Height: height, VideoBitrate: convertFilmRate}
	remux, transcode := base, base
	remux.Title = "Hypertube bench remux film"
	transcode.VideoCodec, transcode.AudioCodec = "libx265", "ac3"
	transcode.Title = "Hypertube bench transcode film"
	return []convertFilm{
		{label: "remux (MKV H.264/AAC)", name: "convert-h264-aac-" + size, mode: "remux", spec: remux},
		{label: "transcode (HEVC/AC3 → H.264/AAC)", name: "convert-hevc-ac3-" + size, mode: "transcode", spec: transcode},
	}
}

// benchConvert measures Play → first frame and seek to 70 % for films the
// server converts to HLS on the fly, about a minute long each.
func benchConvert(ctx context.Context, b *bench) ([]*benchMetric, error) {
	return b.convert(ctx, convertFilms(60*time.Second, 1280, 720))
}

// convert makes (or finds in --work) films, seeds them throttled to twice
// the faster film's bitrate, and for each film and run starts a fresh
// server, adds the film by magnet and watches it in a fresh tab, the way
// the play phase watches its MP4: Play once the player has its source,
// first frame, then a seek to 70 %, where nothing is downloaded yet.
func (b *bench) convert(ctx context.Context, films []convertFilm) ([]*benchMetric, error) {
	type rows struct{ play, seek *benchMetric }
	var metrics []*benchMetric
	byFilm := make([]rows, len(films))
	for i, f := range films {
		byFilm[i] = rows{
			play: &benchMetric{Name: "Play → first frame, " + f.label, Unit: "s", Goal: atMost(1)},
			seek: &benchMetric{Name: "seek to 70% → playing, " + f.label, Unit: "s", Goal: atMost(1)},
		}
		metrics = append(metrics, byFilm[i].play, byFilm[i].seek)
	}
	vendor, err := findVendorDir()
	if err != nil {
		return metrics, err
	}
	var made []benchFilm
	for _, f := range films {
		b.progress("  preparing %s in %s (ffmpeg; kept for later runs)", f.name, b.cfg.work)
		film, err := makeBenchFile(ctx, b.runner, b.cfg.work, f.name, ".mkv", f.spec)
		if err != nil {
			return metrics, err
		}
		made = append(made, film)
	}
	var rate float64
	for _, f := range made {
		rate = max(rate, 2*f.rate())
	}
	for i, f := range made {
		byFilm[i].play.Note = fmt.Sprintf("fresh server, film just added by magnet, %v %dx%d, seeder at %.1f MB/s",
			f.Duration.Round(time.Second), films[i].spec.Width, films[i].spec.Height, rate/1e6)
	}
	sw, err := startSwarm(ctx, b.log, int64(rate), made...)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	phaseCtx, cancel := context.WithTimeout(ctx, time.Duration(b.cfg.runs*len(films))*3*time.Minute)
	defer cancel()
	browser, stop, err := startChromium(phaseCtx)
	if err != nil {
		return metrics, err
	}
	defer stop()
	for i, f := range films {
		r := byFilm[i]
		err := b.eachRun(phaseCtx, "Play and seek, "+f.label, 3*time.Minute, func(ctx context.Context, run int) error {
			play, seek, err := b.watchConverted(ctx, browser, sw.torrents[i], f, vendor)
			if errors.Is(err, errNoTimings) {
				b.progress("    %v", err)
				r.play.Failed++
				r.seek.Failed++
				return nil
			}
			if err != nil {
				return err
			}
			r.play.add(play)
			r.seek.add(seek)
			return nil
		})
		if err != nil {
			return metrics, err
		}
	}
	return metrics, nil
}

// errNoTimings marks a run whose player never showed a frame: it counts as
// a failed run, while a broken setup ends the phase.
var errNoTimings = errors.New("no timings")

// convertStateJS tells how the player chose to play and, if it failed, why.
const convertStateJS = `(() => {
  const e = document.getElementById('video-error');
  return [document.getElementById('player-controls').dataset.mode || '',
    document.getElementById('play-mode').textContent, e && !e.hidden ? e.textContent : ''];
})()`

// watchConverted starts a server, adds t's film and plays it in a new tab.
func (b *bench) watchConverted(ctx context.Context, browser context.Context, t benchTorrent, f convertFilm, vendor string) (play, seek float64, err error) {
	site, err := b.newSite(ctx, "--vendor-dir", vendor)
	if err != nil {
		return 0, 0, err
	}
	defer b.closeSite(site)
	id, err := site.addMagnet(ctx, t.magnet)
	if err != nil {
		return 0, 0, err
	}
	tab, closeTab, err := openTab(browser, site)
	if err != nil {
		return 0, 0, err
	}
	defer closeTab()
	tab, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(tab, chromedp.Navigate(site.pageURL(id))); err != nil {
		return 0, 0, fmt.Errorf("opening the film's page: %w", err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](videoReadyJS, chromedp.EvalAwaitPromise)); err != nil {
		state, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](convertStateJS))
		return 0, 0, fmt.Errorf("the film's page (signed in?): %w; player: %q", err, state)
	}
	state, err := chromedp.Run(tab, chromedp.Evaluate[[]string](convertStateJS))
	if err != nil || len(state) != 3 {
		return 0, 0, fmt.Errorf("reading the player's state: %v", err)
	}
	if state[0] != f.mode {
		// The row would measure something else than its name says.
		return 0, 0, fmt.Errorf("the player chose %q for the %s film, not %s: %s %s", state[0], f.label, f.mode, state[1], state[2])
	}
	got, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](playAndSeekJS, chromedp.EvalAwaitPromise))
	if err == nil && len(got) != 2 {
		err = errors.New("the page's script gave no timings")
	}
	if err != nil {
		after, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](convertStateJS))
		return 0, 0, fmt.Errorf("%w: %v; player: %q", errNoTimings, err, after)
	}
	return got[0], got[1], nil
}

// findVendorDir finds the node_modules folder that holds hls.js, which
// Chromium needs to play HLS: in the working directory, the executable's,
// or a folder above either, so that `go run` from the repository and
// `go test` from cmd/hypertube both find the repository's.
func findVendorDir() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	var looked []string
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, "node_modules")
			if _, err := os.Stat(filepath.Join(p, "hls.js", "dist", "hls.min.js")); err == nil {
				return p, nil
			}
			looked = append(looked, p)
			up := filepath.Dir(dir)
			if up == dir {
				break
			}
			dir = up
		}
	}
	return "", fmt.Errorf("hls.js, which Chromium needs to play converted films, is not in any of %s: run scripts/deps in the repository",
		strings.Join(looked, ", "))
}
