package media_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/media"
)

// TestSessionSparseKeyframes plays an H.264/AAC MKV with a keyframe every
// 10 s, as x264 makes by default: a copy of its video could only be cut
// every 10 s, so the playlist's 2 s segments would not exist. The probe
// must see that, and the conversion must make every segment of the
// playlist at its place.
func TestSessionSparseKeyframes(t *testing.T) {
	const length = 14 * time.Second
	path := makeFilm(t, media.TestFilm{Out: "sparse.mkv", Duration: length, Width: 320, Height: 180, Keyint: 250})
	srv := serve(t, filepath.Dir(path))
	runner := &media.Runner{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	probe, err := runner.Probe(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// The probe reads only the head: no second keyframe in it.
	if want := media.KeyframeWindow - 200*time.Millisecond; probe.MaxKeyframeGap < want || probe.MaxKeyframeGap > 10100*time.Millisecond {
		t.Fatalf("keyframe gap = %v, want at least %v", probe.MaxKeyframeGap, want)
	}
	d := media.Decide(probe, chromium)
	if d.Mode != media.Transcode || d.VideoCopy || !d.AudioCopy || !strings.Contains(d.Reason, "keyframes too far apart") {
		t.Fatalf("Decide = %+v, want the video re-encoded, the audio copied and why", d)
	}

	// produced runs a session from the first segment to the film's end and
	// returns how many segments it has, how many it made, and where each
	// made one starts.
	produced := func(t *testing.T, d media.Decision) (listed int, starts []float64) {
		m := &media.Manager{Runner: runner, TempDir: t.TempDir()}
		defer m.Close()
		s, err := m.Open(media.SessionKey{Viewer: "1", Film: "sparse"}, media.Source{Input: srv.URL + "/sparse.mkv", Probe: probe, Decision: d})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Segment(ctx, 0); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.Job().Done():
		case <-ctx.Done():
			t.Fatal("the conversion did not reach the film's end")
		}
		if err := s.Job().Wait(); err != nil {
			t.Fatalf("conversion: %v", err)
		}
		for n := 0; ; n++ {
			p := filepath.Join(s.Dir(), media.SegmentName(n))
			if _, err := os.Stat(p); err != nil {
				break
			}
			starts = append(starts, probeSegment(t, p).start)
		}
		return s.Segments(), starts
	}

	listed, starts := produced(t, d)
	if want := int(length / media.DefaultSegmentDuration); listed != want {
		t.Errorf("playlist lists %d segments, want %d", listed, want)
	}
	// Playlist folds a tail under 0.1 s, such as the last audio frame,
	// into the last segment; ffmpeg may still write it on its own, where
	// no player asks for it.
	made := len(starts)
	if made == listed+1 && starts[listed] > (probe.Duration-100*time.Millisecond).Seconds() {
		made--
	}
	if made != listed {
		t.Errorf("the conversion made %d segments (starting at %v), the playlist lists %d", len(starts), starts, listed)
	}
	for n, start := range starts[:made] {
		if want := (time.Duration(n) * media.DefaultSegmentDuration).Seconds(); start < want-0.1 || start > want+0.1 {
			t.Errorf("segment %d starts at %.3f s, want %.0f s", n, start, want)
		}
	}

	// The fault this guards against: copying the video anyway makes a
	// segment per keyframe, fewer than the playlist lists.
	copied := d
	copied.Mode, copied.VideoCopy = media.Remux, true
	if listed, starts := produced(t, copied); len(starts) >= listed {
		t.Errorf("a copy made %d segments of the %d listed; the fixture no longer shows the fault", len(starts), listed)
	}
}
