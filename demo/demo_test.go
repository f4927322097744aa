package demo_test

import (
	"context"
	"encoding/binary"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/demo"
	"github.com/hypertube/hypertube/media"
)

const scale = 0.05 // 60 s → 3 s, 90 s → 4.5 s, 20 s → 1 s

var quiet = slog.New(slog.DiscardHandler)

// want describes each generated film, in library order.
var want = []struct {
	ext      string
	format   string
	codecs   []string
	duration time.Duration
}{
	{".mp4", "mov,mp4,m4a,3gp,3g2,mj2", []string{"h264", "aac"}, 3 * time.Second},
	{".mkv", "matroska,webm", []string{"h264", "aac", "aac", "subrip"}, 4500 * time.Millisecond},
	{".webm", "matroska,webm", []string{"vp9", "opus"}, time.Second},
}

func TestGenerate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := &media.Runner{}
	dir := t.TempDir()

	films, err := demo.GenerateWith(ctx, r, dir, demo.Options{Scale: scale, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if len(films) != len(want) {
		t.Fatalf("got %d films, want %d", len(films), len(want))
	}
	titles := map[string]bool{}
	folders := map[string]bool{}
	for i, f := range films {
		w := want[i]
		t.Run(filepath.Base(f.Path), func(t *testing.T) {
			if !strings.HasPrefix(f.Title, "Hypertube Demo: ") || !strings.Contains(f.Summary, "Generated") ||
				f.Year == 0 || len(f.Genres) == 0 {
				t.Errorf("metadata = %+v", f)
			}
			if filepath.Ext(f.Path) != w.ext || filepath.Dir(filepath.Dir(f.Path)) != dir {
				t.Errorf("path = %q, want a %s file in its own folder of %s", f.Path, w.ext, dir)
			}
			if filepath.Dir(f.PosterPath) != filepath.Dir(f.Path) {
				t.Errorf("poster %q is not beside %q", f.PosterPath, f.Path)
			}
			p, err := r.Probe(ctx, f.Path)
			if err != nil {
				t.Fatal(err)
			}
			if p.FormatName != w.format {
				t.Errorf("format = %q, want %q", p.FormatName, w.format)
			}
			var codecs []string
			for _, s := range p.Streams {
				codecs = append(codecs, s.Codec)
			}
			if strings.Join(codecs, ",") != strings.Join(w.codecs, ",") {
				t.Errorf("codecs = %q, want %q", codecs, w.codecs)
			}
			if d := p.Duration - w.duration; d < -300*time.Millisecond || d > 300*time.Millisecond {
				t.Errorf("probed duration = %v, want about %v", p.Duration, w.duration)
			}
			if f.Duration != p.Duration {
				t.Errorf("Film.Duration = %v, probe says %v", f.Duration, p.Duration)
			}
			checkPoster(t, f.PosterPath)
		})
		titles[f.Title] = true
		folders[filepath.Dir(f.Path)] = true
	}
	if len(titles) != len(films) || len(folders) != len(films) {
		t.Errorf("titles %v and folders %v are not distinct", titles, folders)
	}
	// Browsers start an MP4 before it is complete only when its index
	// comes first.
	if boxes := topBoxes(t, films[0].Path); strings.Join(boxes, ",") != "ftyp,moov,free,mdat" &&
		strings.Join(boxes, ",") != "ftyp,moov,mdat" {
		t.Errorf("MP4 boxes = %q, want moov before mdat", boxes)
	}
	// The MKV carries two languages and English subtitles.
	p, err := r.Probe(ctx, films[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Streams) == 4 && (p.Streams[1].Language != "eng" || p.Streams[2].Language != "fra" || p.Streams[3].Language != "eng") {
		t.Errorf("MKV streams = %+v, want eng and fra audio, eng subtitles", p.Streams)
	}
}

func TestGenerateReusesCompleteFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r := &media.Runner{}
	dir := t.TempDir()
	films, err := demo.GenerateWith(ctx, r, dir, demo.Options{Scale: scale, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}

	// Back-date every file, so that a rewrite shows even on a coarse clock.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, f := range films {
		for _, p := range []string{f.Path, f.PosterPath} {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	// What a run killed mid-film leaves behind, and a film replaced by
	// something else.
	partial := filepath.Join(filepath.Dir(films[0].Path), ".partial-123.mp4")
	if err := os.WriteFile(partial, []byte("half a film"), 0o644); err != nil {
		t.Fatal(err)
	}
	replaced := films[2].Path
	other, err := os.ReadFile(films[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(replaced, other, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(replaced, old, old); err != nil {
		t.Fatal(err)
	}

	again, err := demo.GenerateWith(ctx, r, dir, demo.Options{Scale: scale, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range again {
		if f.Path != films[i].Path || f.Duration != films[i].Duration && i != 2 {
			t.Errorf("second run film %d = %+v, first %+v", i, f, films[i])
		}
		for _, p := range []string{f.Path, f.PosterPath} {
			info, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			rebuilt := !info.ModTime().Equal(old)
			if wantRebuilt := i == 2; rebuilt != wantRebuilt {
				t.Errorf("%s: rebuilt = %v, want %v", p, rebuilt, wantRebuilt)
			}
		}
	}
	if p, err := r.Probe(ctx, replaced); err != nil || p.FormatName != "matroska,webm" {
		t.Errorf("replaced film was not rebuilt: %+v, %v", p, err)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("partial file left behind: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".partial-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
}

func TestGenerateStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if _, err := demo.GenerateWith(ctx, &media.Runner{}, dir, demo.Options{Scale: scale, Logger: quiet}); err == nil {
		t.Fatal("GenerateWith with a cancelled context succeeded")
	}
	// Nothing half-made may look like a film.
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	for _, f := range files {
		if ext := filepath.Ext(f); ext == ".mp4" || ext == ".mkv" || ext == ".webm" || ext == ".jpg" {
			t.Errorf("cancelled run left %s", f)
		}
	}
}

func checkPoster(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := jpeg.DecodeConfig(f)
	if err != nil {
		t.Fatalf("poster: %v", err)
	}
	if cfg.Width != 342 || cfg.Height != 513 {
		t.Errorf("poster is %dx%d, want 342x513", cfg.Width, cfg.Height)
	}
}

// topBoxes lists the types of an MP4's top-level boxes, in file order.
func topBoxes(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var boxes []string
	var off int64
	for {
		var head [16]byte
		if _, err := f.ReadAt(head[:8], off); err == io.EOF {
			return boxes
		} else if err != nil {
			t.Fatal(err)
		}
		size := int64(binary.BigEndian.Uint32(head[:4]))
		boxes = append(boxes, string(head[4:8]))
		if size == 1 { // 64-bit size follows
			if _, err := f.ReadAt(head[8:16], off+8); err != nil {
				t.Fatal(err)
			}
			size = int64(binary.BigEndian.Uint64(head[8:16]))
		}
		if size < 8 {
			t.Fatalf("bad box size %d at %d", size, off)
		}
		off += size
	}
}
