package media_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hypertube/hypertube/media"
)

// A seek needs the bytes from the keyframe before the frame to the frame:
// with a keyframe every 2 s, seeking just before a keyframe spans nearly
// two seconds of film, just after one almost nothing.
func TestSeekSpan(t *testing.T) {
	path := makeFilm(t, media.TestFilm{Out: "span.mp4", Duration: 10 * time.Second, Width: 320, Height: 180, Faststart: true, VideoBitrate: 800_000})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := new(media.Runner)
	late, lateEnd, err := r.SeekSpan(ctx, path, 5900*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	early, earlyEnd, err := r.SeekSpan(ctx, path, 4100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Both frames follow the keyframe at 4 s.
	if late != early || late <= 0 || lateEnd > fi.Size() {
		t.Fatalf("spans [%d, %d) and [%d, %d) of %d bytes: want both from the keyframe at 4 s", early, earlyEnd, late, lateEnd, fi.Size())
	}
	perSecond := float64(fi.Size()) / 10
	if got := float64(lateEnd-late) / perSecond; got < 1.5 || got > 2.5 {
		t.Errorf("5.9 s spans %.2f s of bytes, want about 1.9", got)
	}
	if got := float64(earlyEnd-early) / perSecond; got > 0.6 {
		t.Errorf("4.1 s spans %.2f s of bytes, want about 0.1", got)
	}
	if _, _, err := r.SeekSpan(ctx, path, time.Minute); err == nil {
		t.Error("a frame past the end gave a span")
	}
}
