package web_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/web"
)

// fixtureLength is the length of every player fixture: long enough for a
// few segments and a seek to 70 %, short enough to make in seconds.
const fixtureLength = 12 * time.Second

// fixtureSegment is the HLS segment length of the player tests.
const fixtureSegment = 2 * time.Second

// playerFixture is a film file of the kinds torrents bring.
type playerFixture struct {
	name string // file name inside its torrent
	data []byte
}

var (
	fixturesOnce sync.Once
	fixtureFiles map[string]playerFixture
	fixturesErr  error
)

// latin1Subtitle is an SRT written in Latin-1, as old subtitle files are:
// "é" is the single byte 0xE9.
var latin1Subtitle = []byte("1\r\n00:00:01,000 --> 00:00:04,000\r\nTr\xe8s bien, caf\xe9\r\n\r\n")

// playerFixtures makes the fixtures once per test binary, with ffmpeg:
// MKV H.264/AAC with an SRT track, MKV HEVC with two AC-3 tracks in two
// languages, AVI MPEG-4/MP3 and MP4 with its index at the end.
func playerFixtures(t *testing.T) map[string]playerFixture {
	t.Helper()
	fixturesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hypertube-player-fixtures-")
		if err != nil {
			fixturesErr = err
			return
		}
		fixtureFiles, fixturesErr = makePlayerFixtures(dir)
		os.RemoveAll(dir)
	})
	if fixturesErr != nil {
		t.Fatal(fixturesErr)
	}
	return fixtureFiles
}

func makePlayerFixtures(dir string) (map[string]playerFixture, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var r media.Runner
	srt := filepath.Join(dir, "subs.srt")
	if err := os.WriteFile(srt, []byte("1\n00:00:01,000 --> 00:00:05,000\nHello there\n"), 0o644); err != nil {
		return nil, err
	}
	films := map[string]media.TestFilm{
		"h264": {Out: filepath.Join(dir, "h264.mkv"), Subtitle: srt, SubtitleLanguage: "eng"},
		"hevc": {Out: filepath.Join(dir, "hevc.mkv"), VideoCodec: "libx265", AudioCodec: "ac3", AudioTracks: []string{"eng", "fra"}},
		"avi":  {Out: filepath.Join(dir, "mpeg4.mkv"), VideoCodec: "mpeg4", AudioCodec: "mp3"},
		"mp4":  {Out: filepath.Join(dir, "late-moov.mp4")},
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(films))
	for _, f := range films {
		f.Duration, f.Width, f.Height = fixtureLength, 320, 180
		wg.Go(func() { errs <- r.MakeTestFilm(ctx, "fixture", f) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// TestFilm makes no AVI; an AVI is the same streams in another box.
	avi := filepath.Join(dir, "mpeg4.avi")
	if _, err := r.Run(ctx, "fixture", []string{"-v", "error", "-y", "-i", "file:" + films["avi"].Out,
		"-c", "copy", "-f", "avi", "file:" + avi}); err != nil {
		return nil, err
	}
	out := map[string]playerFixture{}
	for key, name := range map[string]string{"h264": "h264.mkv", "hevc": "hevc.mkv", "avi": "mpeg4.avi", "mp4": "late-moov.mp4"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out[key] = playerFixture{name: "Film." + name[len(name)-3:], data: b}
	}
	return out, nil
}

// playerSite is a site whose conversions are watched by the test: short
// segments, a short idle kill, at most maxJobs at once.
type playerSite struct {
	*site
	manager *media.Manager
	runner  *media.Runner
}

func newPlayerSite(t *testing.T, maxJobs int, idle time.Duration) *playerSite {
	t.Helper()
	runner := &media.Runner{}
	manager := &media.Manager{Runner: runner, MaxJobs: maxJobs, Idle: idle, SegmentDuration: fixtureSegment,
		Preset: "ultrafast", TempDir: t.TempDir()}
	t.Cleanup(manager.Close)
	s := newSite(t, func(c *web.Config) {
		c.Media = manager
		c.VendorDir = filepath.Join("..", "node_modules")
		c.FirstByteTimeout = 20 * time.Second
	})
	return &playerSite{site: s, manager: manager, runner: runner}
}

// addFixtureFilm puts fixture key in a torrent of its own, with extra
// files next to it, and returns the film.
func (s *playerSite) addFixtureFilm(t *testing.T, key, infoHash string, extra ...fakeFile) *hypertube.Movie {
	t.Helper()
	f := playerFixtures(t)[key]
	files := append([]fakeFile{{path: "Film/" + f.name, data: f.data}}, extra...)
	s.engine.addTorrent(infoHash, "Film "+key, files...)
	m := &hypertube.Movie{Title: "Film " + key, Year: 2025, InfoHash: infoHash, Magnet: "magnet:?xt=urn:btih:" + infoHash}
	s.addFilm(t, m)
	return m
}
