package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hypertube/hypertube/media"
)

// benchFilm is a generated film, alone in its folder so that seeding the
// file makes a single-file torrent.
type benchFilm struct {
	Path     string
	Size     int64
	Duration time.Duration
}

// rate is the film's average bitrate in bytes per second.
func (f benchFilm) rate() float64 { return float64(f.Size) / f.Duration.Seconds() }

func (f benchFilm) summary() string {
	if f.Path == "" {
		return ""
	}
	return fmt.Sprintf("%s, %.1f MB, %v, %.2f Mbit/s H.264/AAC MP4", filepath.Base(f.Path),
		float64(f.Size)/1e6, f.Duration.Round(time.Second), f.rate()*8/1e6)
}

const (
	bigFilmVideoRate    = 8_000_000 // bits/s; with 128 kbit/s of AAC
	viewerFilmVideoRate = 1_500_000
	viewerFilms         = 5
)

// makeBigFilm makes (or finds, from an earlier run) a 720p film of about
// sizeMB megabytes.
func makeBigFilm(ctx context.Context, r *media.Runner, work string, sizeMB int) (benchFilm, error) {
	secs := float64(sizeMB) * 1e6 * 8 / (bigFilmVideoRate + 128_000)
	d := time.Duration(secs * float64(time.Second)).Round(100 * time.Millisecond)
	name := fmt.Sprintf("film-%dmb", sizeMB)
	return makeBenchFilm(ctx, r, work, name, media.TestFilm{
		Duration: d, Width: 1280, Height: 720, VideoBitrate: bigFilmVideoRate,
		Faststart: true, Title: "Hypertube bench film",
	})
}

// makeViewerFilms makes the films of the viewers phase: long enough to be
// watched for watch, small enough that five download at once.
func makeViewerFilms(ctx context.Context, r *media.Runner, work string, watch time.Duration) ([]benchFilm, error) {
	d := (watch + 10*time.Second).Round(time.Second)
	var films []benchFilm
	for i := range viewerFilms {
		name := fmt.Sprintf("viewer-%d-%ds", i+1, int(d.Seconds()))
		f, err := makeBenchFilm(ctx, r, work, name, media.TestFilm{
			Duration: d, VideoBitrate: viewerFilmVideoRate, Faststart: true,
			Title: fmt.Sprintf("Hypertube bench viewer film %d", i+1),
		})
		if err != nil {
			return nil, err
		}
		films = append(films, f)
	}
	return films, nil
}

// makeBenchFilm writes work/name/name.mp4 unless it is there already.
func makeBenchFilm(ctx context.Context, r *media.Runner, work, name string, spec media.TestFilm) (benchFilm, error) {
	return makeBenchFile(ctx, r, work, name, ".mp4", spec)
}

// makeBenchFile writes work/name/name+ext, ext being a container TestFilm
// knows (".mp4", ".mkv"), unless it is there already. The file is written
// under a temporary name and renamed once complete, so that an interrupted
// run never leaves half a film to be reused.
func makeBenchFile(ctx context.Context, r *media.Runner, work, name, ext string, spec media.TestFilm) (benchFilm, error) {
	dir := filepath.Join(work, name)
	path := filepath.Join(dir, name+ext)
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return benchFilm{Path: path, Size: fi.Size(), Duration: spec.Duration}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return benchFilm{}, err
	}
	tmp := filepath.Join(work, ".partial-"+name+ext)
	spec.Out = tmp
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	if err := r.MakeTestFilm(ctx, "bench", spec); err != nil {
		os.Remove(tmp)
		return benchFilm{}, fmt.Errorf("generating %s: %w", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return benchFilm{}, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return benchFilm{}, err
	}
	return benchFilm{Path: path, Size: fi.Size(), Duration: spec.Duration}, nil
}
