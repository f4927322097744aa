package torrent_test

import (
	"context"
	"io"
	"math"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

func TestReadaheadFor(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name          string
		bitrate, rate float64
		want          int64
	}{
		{"30 s of a 1 MiB/s film", MiB, 2 * MiB, 30 * MiB},
		{"rate unknown yet", MiB, 0, 30 * MiB},
		{"rate equals bitrate", MiB, MiB, 30 * MiB},
		{"half as fast as playback doubles", MiB, MiB / 2, 60 * MiB},
		{"far too slow hits the cap", MiB, MiB / 10, torrent.MaxReadahead},
		{"low bitrate has a floor", 100 << 10, 10 * MiB, torrent.MinReadahead},
		{"high bitrate has a cap", 10 * MiB, 100 * MiB, torrent.MaxReadahead},
		{"unknown bitrate", 0, MiB, torrent.MinReadahead},
		{"negative bitrate", -1, MiB, torrent.MinReadahead},
		{"NaN bitrate", math.NaN(), MiB, torrent.MinReadahead},
		{"infinite bitrate", math.Inf(1), MiB, torrent.MaxReadahead},
		{"NaN rate", MiB, math.NaN(), 30 * MiB},
		{"negative rate", MiB, -5, 30 * MiB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := torrent.ReadaheadFor(tt.bitrate, tt.rate); got != tt.want {
				t.Fatalf("ReadaheadFor(%v, %v) = %d, want %d", tt.bitrate, tt.rate, got, tt.want)
			}
		})
	}
}

func TestHintsSizeTheWindow(t *testing.T) {
	t.Parallel()
	const size = 1 << 20
	e, h := peerless(t, "film.mkv", randomBytes(size))
	open := func() io.ReadCloser {
		t.Helper()
		r, err := e.OpenFile(context.Background(), h, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	// A 1 MiB file assumed to last two hours needs the least.
	if got := readahead(t, open()); got != torrent.MinReadahead {
		t.Fatalf("window without hints = %d, want %d", got, torrent.MinReadahead)
	}
	// 1 MiB in 1 s: 30 s of it is 30 MiB.
	if err := e.SetDurationHint(h, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	r := open()
	if got := readahead(t, r); got != 30<<20 {
		t.Fatalf("window with a duration hint = %d, want %d", got, 30<<20)
	}
	// A bitrate hint wins over the duration, and open readers follow it.
	if err := e.SetBitrateHint(h, 0, 2<<20); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the open reader's window did not follow the new hint", func() bool {
		return readahead(t, r) == 60<<20
	})

	for _, bad := range []float64{-1, math.NaN(), math.Inf(1)} {
		if err := e.SetBitrateHint(h, 0, bad); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("SetBitrateHint(%v) = %v, want EINVALID", bad, err)
		}
	}
	if err := e.SetDurationHint(h, 0, -time.Second); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("SetDurationHint(-1s) = %v, want EINVALID", err)
	}
	if err := e.SetBitrateHint("nope", 0, 1); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("SetBitrateHint(bad hash) = %v, want EINVALID", err)
	}
}

// The window grows toward the cap while the download is slower than the
// film plays.
func TestWindowGrowsWhenDownloadIsSlow(t *testing.T) {
	t.Parallel()
	seed, hash, magnet := seedData(t, "film.mkv", randomBytes(16<<20))
	e, h, _ := leech(t, seed, magnet, func(c *torrent.Config) { c.DownloadRate = 256 << 10 })
	if err := e.SetBitrateHint(hash, 0, 1<<20); err != nil {
		t.Fatal(err)
	}
	r, err := e.OpenFile(ctx(t, 30*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := readahead(t, r); got != 30<<20 {
		t.Fatalf("window before any rate is measured = %d, want 30 s of film", got)
	}
	if _, err := r.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	// About 256 KiB/s for a 1 MiB/s film: 4 × 30 MiB, capped.
	waitFor(t, 15*time.Second, "the window did not grow at a slow rate", func() bool {
		return readahead(t, r) == torrent.MaxReadahead
	})
	if st := status(t, e, h); st.DownloadRate <= 0 || st.DownloadRate >= 1<<20 {
		t.Fatalf("download rate %v; the test needs a rate below the bitrate", st.DownloadRate)
	}
}

// While a reader sits at the start, the rest of the file keeps coming: the
// pre-buffer is not where the download stops.
func TestDownloadContinuesPastTheWindow(t *testing.T) {
	const size = 24 << 20
	data := randomBytes(size)
	e, h, r := streamFile(t, "film.mp4", data, nil, nil)
	readAt(t, r, data, 0, 1)
	info, err := e.Info(ctx(t, 10*time.Second), h)
	if err != nil {
		t.Fatal(err)
	}
	window := readahead(t, r)
	if window != torrent.MinReadahead {
		t.Fatalf("window %d, want %d for a film assumed to last two hours", window, torrent.MinReadahead)
	}
	waitFor(t, 30*time.Second, "the download stopped near the reader's window", func() bool {
		return status(t, e, h).BytesCompleted > window+info.PieceLength+size/4
	})
	if st := status(t, e, h); st.Readers != 1 {
		t.Fatalf("Readers = %d with the reader still open", st.Readers)
	}
}
