// Package demo makes the offline demo library: a few short films generated
// with ffmpeg, so that Hypertube can be tried, and tested, without the
// internet. Each film lives in its own folder so that it can be seeded as a
// single-file torrent.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hypertube/hypertube/media"
)

// Film is a generated demo film.
type Film struct {
	Title      string
	Year       int
	Summary    string
	Genres     []string
	Path       string // the video file
	PosterPath string // a 342x513 JPEG
	Duration   time.Duration
}

// Options tunes GenerateWith.
type Options struct {
	// Scale multiplies every film's length; 0 means 1. Tests use a small
	// value to stay fast.
	Scale  float64
	Logger *slog.Logger // nil means slog.Default()
}

const (
	posterWidth  = 342
	posterHeight = 513
	posterName   = "poster.jpg"
	// partialPrefix marks files being written; they are renamed into place
	// only once complete, so a killed run never leaves a half film behind.
	partialPrefix = ".partial-"
)

// entry is one film of the library and how to make it.
type entry struct {
	slug     string
	film     Film
	spec     media.TestFilm // Out is the file name inside the film's folder
	codecs   []string       // expected codec of each stream, to recognise a finished file
	format   string         // expected ffprobe format name
	subtitle bool           // mux generated English subtitles
}

// library lists the demo films. The MP4 is big enough (about 20 MB) that a
// throttled download shows playback starting before the torrent completes.
var library = []entry{
	{
		slug: "color-bars",
		film: Film{
			Title:   "Hypertube Demo: Color Bars",
			Year:    2025,
			Summary: "A minute of moving test pattern over a 440 Hz tone that beeps every second. Generated on this server by ffmpeg for the demo; not a real film.",
			Genres:  []string{"Demo", "Test pattern"},
		},
		spec: media.TestFilm{Out: "color-bars.mp4", Duration: 60 * time.Second, Width: 854, Height: 480,
			VideoBitrate: 2_500_000, AudioTracks: []string{"eng"}, Faststart: true, Title: "Hypertube Demo: Color Bars"},
		codecs: []string{"h264", "aac"},
		format: "mov,mp4,m4a,3gp,3g2,mj2",
	},
	{
		slug: "two-tones",
		film: Film{
			Title:   "Hypertube Demo: Two Tones",
			Year:    2025,
			Summary: "Ninety seconds of test pattern with two audio tracks (English at 440 Hz, French at 660 Hz) and English subtitles, to try track switching. Generated on this server by ffmpeg for the demo; not a real film.",
			Genres:  []string{"Demo", "Audio"},
		},
		spec: media.TestFilm{Out: "two-tones.mkv", Duration: 90 * time.Second, VideoBitrate: 1_500_000,
			AudioTracks: []string{"eng", "fra"}, SubtitleLanguage: "eng", Title: "Hypertube Demo: Two Tones"},
		codecs:   []string{"h264", "aac", "aac", "subrip"},
		format:   "matroska,webm",
		subtitle: true,
	},
	{
		slug: "short-loop",
		film: Film{
			Title:   "Hypertube Demo: Short Loop",
			Year:    2025,
			Summary: "Twenty seconds of test pattern in WebM (VP9 and Opus), the format browsers play without help. Generated on this server by ffmpeg for the demo; not a real film.",
			Genres:  []string{"Demo", "Short"},
		},
		spec: media.TestFilm{Out: "short-loop.webm", Duration: 20 * time.Second, VideoCodec: "libvpx-vp9",
			AudioCodec: "libopus", AudioTracks: []string{"eng"}, Title: "Hypertube Demo: Short Loop"},
		codecs: []string{"vp9", "opus"},
		format: "matroska,webm",
	},
}

// Generate makes the demo library in dir, reusing the films already there.
func Generate(ctx context.Context, r *media.Runner, dir string) ([]Film, error) {
	return GenerateWith(ctx, r, dir, Options{})
}

// GenerateWith is Generate with options. Only one call at a time may work on
// a given dir: each clears the half-written files a killed run left.
func GenerateWith(ctx context.Context, r *media.Runner, dir string, opts Options) ([]Film, error) {
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if opts.Scale < 0 || opts.Scale > 10 || math.IsNaN(opts.Scale) {
		return nil, fmt.Errorf("demo: scale %v out of range", opts.Scale)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var films []Film
	for _, e := range library {
		f, err := e.make(ctx, r, filepath.Join(dir, e.slug), opts)
		if err != nil {
			return nil, fmt.Errorf("demo: %s: %w", e.slug, err)
		}
		films = append(films, f)
	}
	return films, nil
}

func (e entry) make(ctx context.Context, r *media.Runner, dir string, opts Options) (Film, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Film{}, err
	}
	removePartials(dir)

	spec := e.spec
	spec.Duration = max(time.Second, time.Duration(float64(spec.Duration)*opts.Scale).Round(100*time.Millisecond))
	video := filepath.Join(dir, spec.Out)
	poster := filepath.Join(dir, posterName)

	probe, err := r.Probe(ctx, video)
	fresh := err != nil || !e.matches(probe, spec.Duration)
	if fresh {
		if ctx.Err() != nil {
			return Film{}, ctx.Err()
		}
		opts.Logger.Info("generating demo film", "title", e.film.Title, "path", video, "duration", spec.Duration)
		if err := e.writeVideo(ctx, r, dir, spec); err != nil {
			return Film{}, err
		}
		if probe, err = r.Probe(ctx, video); err != nil {
			return Film{}, err
		}
		if !e.matches(probe, spec.Duration) {
			return Film{}, fmt.Errorf("generated %s does not look as expected: %+v", video, probe)
		}
	}
	if fresh || !isJPEG(poster) {
		at := probe.Duration / 5
		if err := writeAtomically(dir, posterName, func(tmp string) error {
			_, err := r.Run(ctx, "demo poster", media.PosterArgs(video, tmp, at, posterWidth, posterHeight))
			return err
		}); err != nil {
			return Film{}, err
		}
	}

	f := e.film
	f.Genres = append([]string(nil), e.film.Genres...)
	f.Path, f.PosterPath, f.Duration = video, poster, probe.Duration
	return f, nil
}

func (e entry) writeVideo(ctx context.Context, r *media.Runner, dir string, spec media.TestFilm) error {
	if e.subtitle {
		srt, err := os.CreateTemp(dir, partialPrefix+"*.srt")
		if err != nil {
			return err
		}
		defer os.Remove(srt.Name())
		_, err = srt.WriteString(subtitles(spec.Duration))
		if cerr := srt.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		spec.Subtitle = srt.Name()
	}
	return writeAtomically(dir, spec.Out, func(tmp string) error {
		spec.Out = tmp
		return r.MakeTestFilm(ctx, "demo film", spec)
	})
}

// matches reports whether p describes a film made from e lasting about want.
// Completeness itself comes from writeAtomically; this catches a library
// made with another Scale, or a file replaced by something else.
func (e entry) matches(p *media.Probe, want time.Duration) bool {
	if p.FormatName != e.format || len(p.Streams) != len(e.codecs) {
		return false
	}
	for i, s := range p.Streams {
		if s.Codec != e.codecs[i] {
			return false
		}
	}
	slack := max(500*time.Millisecond, want/20)
	return p.Duration > want-slack && p.Duration < want+slack
}

// writeAtomically lets write fill a temporary file in dir, then renames it
// to name: readers see either no file or a complete one.
func writeAtomically(dir, name string, write func(tmp string) error) error {
	tmp, err := os.CreateTemp(dir, partialPrefix+"*"+filepath.Ext(name))
	if err != nil {
		return err
	}
	tmp.Close()
	if err := write(tmp.Name()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// removePartials deletes what a killed run was writing in dir.
func removePartials(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, partialPrefix+"*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

func isJPEG(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 3)
	_, err = io.ReadFull(f, head)
	return err == nil && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF
}

// subtitles returns an SRT file with a cue every five seconds that says
// where in the film it belongs, which makes a drift between picture and
// subtitles plain to see.
func subtitles(d time.Duration) string {
	var b strings.Builder
	n := 0
	for at := time.Duration(0); at < d; at += 5 * time.Second {
		n++
		end := min(at+4*time.Second, d)
		fmt.Fprintf(&b, "%d\n%s --> %s\nSubtitle %d, shown at %s\n\n", n, srtTime(at), srtTime(end), n, srtTime(at)[:8])
	}
	return b.String()
}

func srtTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d,%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
