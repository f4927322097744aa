package media_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

const (
	filmLength = 20 * time.Second
	segLength  = 4 * time.Second
)

var (
	fixturesOnce sync.Once
	fixturesDir  string
	fixturesErr  error
)

// fixtures makes the test films once per test binary: the kinds of file
// torrents bring. Each has a keyframe every two seconds.
func fixtures(t *testing.T) string {
	t.Helper()
	fixturesOnce.Do(func() {
		fixturesDir, fixturesErr = os.MkdirTemp("", "hypertube-media-fixtures-")
		if fixturesErr != nil {
			return
		}
		fixturesErr = makeFixtures(fixturesDir)
	})
	if fixturesErr != nil {
		t.Fatal(fixturesErr)
	}
	return fixturesDir
}

func makeFixtures(dir string) error {
	ctx := context.Background()
	var r media.Runner
	srt := filepath.Join(dir, "subs.srt")
	if err := os.WriteFile(srt, []byte("1\n00:00:01,000 --> 00:00:03,000\nHello there\n"), 0o644); err != nil {
		return err
	}
	films := []media.TestFilm{
		{Out: filepath.Join(dir, "h264.mkv"), Subtitle: srt, SubtitleLanguage: "eng"},
		{Out: filepath.Join(dir, "hevc.mkv"), VideoCodec: "libx265", AudioCodec: "ac3", AudioTracks: []string{"eng", "fra"}},
		{Out: filepath.Join(dir, "mpeg4.mkv"), VideoCodec: "mpeg4", AudioCodec: "mp3"},
		{Out: filepath.Join(dir, "late-moov.mp4")},
	}
	for _, f := range films {
		f.Duration, f.Width, f.Height = filmLength, 320, 180
		if err := r.MakeTestFilm(ctx, "fixture", f); err != nil {
			return err
		}
	}
	// TestFilm makes no AVI; an AVI is the same streams in another box.
	_, err := r.Run(ctx, "fixture", []string{"-v", "error", "-y", "-i", "file:" + filepath.Join(dir, "mpeg4.mkv"),
		"-c", "copy", "-f", "avi", "file:" + filepath.Join(dir, "mpeg4.avi")})
	return err
}

func TestMain(m *testing.M) {
	if os.Getenv(orphanParent) != "" {
		runOrphanParent()
	}
	code := m.Run()
	if fixturesDir != "" {
		os.RemoveAll(fixturesDir)
	}
	os.Exit(code)
}

// slowReader serves a file at a crawl, like a torrent with one slow peer.
// It hides the file's other methods so that nothing sends it faster.
type slowReader struct{ f *os.File }

func (s slowReader) Read(p []byte) (int, error) {
	time.Sleep(50 * time.Millisecond)
	return s.f.Read(p[:min(len(p), 4<<10)])
}

func (s slowReader) Seek(offset int64, whence int) (int64, error) { return s.f.Seek(offset, whence) }

// serve serves dir with Range support, as our stream endpoint does; paths
// under /slow/ trickle.
func serve(t *testing.T, dir string) *httptest.Server {
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, slow := strings.CutPrefix(r.URL.Path, "/slow/")
		if !slow {
			files.ServeHTTP(w, r)
			return
		}
		f, err := os.Open(filepath.Join(dir, filepath.Base(name)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, name, time.Time{}, slowReader{f})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// segmentInfo is what ffprobe says about a produced segment.
type segmentInfo struct {
	start  float64
	codecs []string
	langs  []string
}

func probeSegment(t *testing.T, path string) segmentInfo {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-print_format", "json",
		"-show_entries", "format=start_time:stream=codec_name,codec_type:stream_tags=language", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var raw struct {
		Format struct {
			Start string `json:"start_time"`
		} `json:"format"`
		Streams []struct {
			Codec string            `json:"codec_name"`
			Type  string            `json:"codec_type"`
			Tags  map[string]string `json:"tags"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	var info segmentInfo
	info.start, _ = strconv.ParseFloat(raw.Format.Start, 64)
	for _, s := range raw.Streams {
		info.codecs = append(info.codecs, s.Codec)
		if s.Type == "audio" {
			info.langs = append(info.langs, s.Tags["language"])
		}
	}
	// Decoding the whole segment proves it is not just a header.
	if out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", path, "-f", "null", "-").CombinedOutput(); err != nil {
		t.Fatalf("segment %s does not decode: %v: %s", path, err, out)
	}
	return info
}

// toneFrequency estimates the pitch of a segment's audio from its zero
// crossings.
func toneFrequency(t *testing.T, path string) float64 {
	t.Helper()
	pcm, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "s16le", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	n := len(pcm) / 2
	crossings := 0
	prev := int16(binary.LittleEndian.Uint16(pcm))
	for i := 1; i < n; i++ {
		cur := int16(binary.LittleEndian.Uint16(pcm[2*i:]))
		if (prev < 0) != (cur < 0) {
			crossings++
		}
		prev = cur
	}
	return float64(crossings) / 2 / (float64(n) / 48000)
}

func playlistLength(t *testing.T, pl []byte) time.Duration {
	t.Helper()
	var total float64
	for _, line := range strings.Split(string(pl), "\n") {
		if d, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
			f, err := strconv.ParseFloat(strings.TrimSuffix(d, ","), 64)
			if err != nil {
				t.Fatalf("bad EXTINF %q", line)
			}
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}

func TestSessionPerFixture(t *testing.T) {
	dir := fixtures(t)
	srv := serve(t, dir)
	runner := &media.Runner{}
	tests := []struct {
		file      string
		mode      media.Mode
		videoCopy bool
	}{
		{"h264.mkv", media.Remux, true},
		{"hevc.mkv", media.Transcode, false},
		{"mpeg4.avi", media.Transcode, false},
		// Played as it is on the page; HLS must still work for it, such as
		// for a quality below the original.
		{"late-moov.mp4", media.DirectPlay, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			probe, err := runner.Probe(ctx, filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			d := media.Decide(probe, chromium)
			if d.Mode != tt.mode || d.VideoCopy != tt.videoCopy {
				t.Fatalf("Decide = %+v, want mode %v video copy %v", d, tt.mode, tt.videoCopy)
			}
			m := &media.Manager{Runner: runner, SegmentDuration: segLength, Preset: "ultrafast", TempDir: t.TempDir()}
			defer m.Close()
			s, err := m.Open(media.SessionKey{Viewer: "1", Film: tt.file}, media.Source{Input: srv.URL + "/" + tt.file, Probe: probe, Decision: d})
			if err != nil {
				t.Fatal(err)
			}
			if got := playlistLength(t, s.Playlist()); (got-probe.Duration).Abs() > 100*time.Millisecond || (got-filmLength).Abs() > 200*time.Millisecond {
				t.Errorf("playlist lasts %v; the film %v", got, probe.Duration)
			}
			late := int(filmLength * 7 / 10 / segLength) // 70 % in
			for _, n := range []int{0, late} {
				path, err := s.Segment(ctx, n)
				if err != nil {
					t.Fatalf("segment %d: %v", n, err)
				}
				info := probeSegment(t, path)
				if strings.Join(info.codecs, ",") != "h264,aac" {
					t.Errorf("segment %d has codecs %q, want h264 and aac", n, info.codecs)
				}
				want := (time.Duration(n) * segLength).Seconds()
				// A copied video starts at the keyframe at or before the
				// point asked for: two seconds apart in the fixtures.
				early := 0.25
				if d.VideoCopy {
					early = 2.25
				}
				if info.start < want-early || info.start > want+0.25 {
					t.Errorf("segment %d starts at %.3f s, want %.0f s (up to %.2f s early)", n, info.start, want, early)
				}
			}
		})
	}
}

func TestSessionSecondAudioTrack(t *testing.T) {
	dir := fixtures(t)
	srv := serve(t, dir)
	runner := &media.Runner{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	probe, err := runner.Probe(ctx, filepath.Join(dir, "hevc.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	m := &media.Manager{Runner: runner, SegmentDuration: segLength, Preset: "ultrafast", TempDir: t.TempDir()}
	defer m.Close()
	src := media.Source{Input: srv.URL + "/hevc.mkv", Probe: probe, Decision: media.Decide(probe, chromium)}
	// TestFilm tones: 440 Hz on the first track, 660 Hz on the second.
	for track, want := range map[int]struct {
		lang string
		hz   float64
	}{0: {"eng", 440}, 1: {"fra", 660}} {
		s, err := m.Open(media.SessionKey{Viewer: "1", Film: "hevc", AudioTrack: track}, src)
		if err != nil {
			t.Fatal(err)
		}
		path, err := s.Segment(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		info := probeSegment(t, path)
		if len(info.langs) != 1 || info.langs[0] != want.lang {
			t.Errorf("track %d: languages %q, want %q", track, info.langs, want.lang)
		}
		// The beeps double the pitch for a moment each second.
		if hz := toneFrequency(t, path); hz < want.hz*0.95 || hz > want.hz*1.35 {
			t.Errorf("track %d: tone of %.0f Hz, want about %.0f Hz", track, hz, want.hz)
		}
	}
	if _, err := m.Open(media.SessionKey{Viewer: "1", Film: "hevc", AudioTrack: 2}, src); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("third audio track of a two-track film: %v, want EINVALID", err)
	}
}

func TestSessionIdleKillsJobAndRemovesSegments(t *testing.T) {
	dir := fixtures(t)
	srv := serve(t, dir)
	runner := &media.Runner{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	probe, err := runner.Probe(ctx, filepath.Join(dir, "h264.mkv"))
	if err != nil {
		t.Fatal(err)
	}
	m := &media.Manager{Runner: runner, SegmentDuration: segLength, Idle: 1500 * time.Millisecond, TempDir: t.TempDir()}
	defer m.Close()
	// A trickling input keeps ffmpeg busy after the first segment, as a
	// torrent does, so that only the idle timer can end it.
	s, err := m.Open(media.SessionKey{Viewer: "7", Film: "42"},
		media.Source{Input: srv.URL + "/slow/h264.mkv", Probe: probe, Decision: media.Decide(probe, chromium)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Segment(ctx, 0); err != nil {
		t.Fatal(err)
	}
	job := s.Job()
	if job == nil {
		t.Fatal("no job after a segment request")
	}
	if job.Owner() != "viewer 7 film 42" {
		t.Errorf("owner %q", job.Owner())
	}
	select {
	case <-job.Done():
		t.Fatal("ffmpeg ended before the idle timer; the input did not trickle")
	default:
	}
	pid := job.Pid()
	select {
	case <-s.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the session outlived its idle timer")
	}
	waitGroupGone(t, pid)
	if err := job.Wait(); !errors.Is(err, media.ErrIdle) && !errors.Is(err, context.Canceled) {
		t.Errorf("job ended with %v, want an idle kill", err)
	}
	if _, err := os.Stat(s.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("segment directory still there: %v", err)
	}
	if n := m.Len(); n != 0 {
		t.Errorf("manager still holds %d sessions", n)
	}
	if runner.Running() != 0 {
		t.Errorf("%d jobs still counted", runner.Running())
	}
	if _, err := s.Segment(ctx, 1); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Errorf("segment of an ended session: %v, want ENOTFOUND", err)
	}
}

func TestManagerMaxJobs(t *testing.T) {
	probe := &media.Probe{Duration: filmLength, Streams: []media.Stream{{Type: "video", Codec: "h264"}, {Type: "audio", Codec: "aac"}}}
	src := media.Source{Input: "/nonexistent.mkv", Probe: probe}
	m := &media.Manager{Runner: &media.Runner{}, MaxJobs: 1, TempDir: t.TempDir()}
	defer m.Close()
	a := media.SessionKey{Viewer: "1", Film: "a"}
	b := media.SessionKey{Viewer: "2", Film: "b"}
	first, err := m.Open(a, src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Open(b, src)
	if hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE || !strings.Contains(hypertube.ErrorMessage(err), "try again") {
		t.Fatalf("second session past MaxJobs: %v, want EUNAVAILABLE with advice", err)
	}
	again, err := m.Open(a, src)
	if err != nil || again != first {
		t.Fatalf("reopening the same key: %v, %v; want the same session", again, err)
	}
	first.Close()
	if _, err := m.Open(b, src); err != nil {
		t.Fatalf("after the first session ended: %v", err)
	}
}

func TestSessionBadInput(t *testing.T) {
	probe := &media.Probe{Duration: filmLength, Streams: []media.Stream{{Type: "video", Codec: "hevc"}, {Type: "audio", Codec: "aac"}}}
	m := &media.Manager{Runner: &media.Runner{}, TempDir: t.TempDir()}
	defer m.Close()
	s, err := m.Open(media.SessionKey{Film: "x"}, media.Source{Input: filepath.Join(t.TempDir(), "missing.mkv"), Probe: probe})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.Segment(ctx, 0); hypertube.ErrorCode(err) != hypertube.EINTERNAL || ctx.Err() != nil {
		t.Errorf("segment of a missing file: %v, want a conversion error", err)
	}
	if _, err := s.Segment(ctx, s.Segments()); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Errorf("segment past the end: %v, want ENOTFOUND", err)
	}
	if _, err := m.Open(media.SessionKey{Film: "y"}, media.Source{Input: "x", Probe: &media.Probe{Duration: time.Second}}); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("film without video: %v, want EINVALID", err)
	}
}
