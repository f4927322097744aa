package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/media"
)

// TestBenchConvertSmoke runs the convert phase once with short, small films
// and checks that its four rows made it into the table as numbers, each
// film having played in the mode its rows name.
func TestBenchConvertSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.DiscardHandler)) // each fresh serve logs its migrations
	logs := &tailWriter{max: 8 << 10}
	var progress bytes.Buffer
	b := &bench{
		cfg:      benchConfig{runs: 1, work: t.TempDir()},
		log:      slog.New(slog.DiscardHandler),
		logs:     logs,
		logLevel: "error",
		out:      &progress,
		runner:   &media.Runner{},
	}
	// 14 s: the seek to 70 % lands in the second 6 s segment, not the
	// first, which the start already made.
	metrics, err := b.convert(ctx, convertFilms(14*time.Second, 640, 360))
	if err != nil {
		t.Fatalf("convert phase: %v\nprogress:\n%s\nlog: %s", err, progress.String(), logs.buf)
	}
	report := benchReport{Runs: 1, Metrics: metrics}
	var table bytes.Buffer
	if err := report.writeTable(&table); err != nil {
		t.Fatal(err)
	}
	out := table.String()
	for _, name := range []string{
		"Play → first frame, remux (MKV H.264/AAC)",
		"seek to 70% → playing, remux (MKV H.264/AAC)",
		"Play → first frame, transcode (HEVC/AC3 → H.264/AAC)",
		"seek to 70% → playing, transcode (HEVC/AC3 → H.264/AAC)",
	} {
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+([0-9.]+) s\s+([0-9.]+) s\s+([0-9.]+) s\s+≤ 1 s`)
		m := row.FindStringSubmatch(out)
		if m == nil {
			t.Errorf("no row with numbers for %q in:\n%s\nprogress:\n%s", name, out, progress.String())
			continue
		}
		if v := mustFloat(t, m[1]); v <= 0 {
			t.Errorf("%s = %v s, want a positive time", name, v)
		}
	}
	if strings.Contains(out, "failed") {
		t.Errorf("a run failed:\n%s\nprogress:\n%s", out, progress.String())
	}
}

func TestConvertFilms(t *testing.T) {
	films := convertFilms(60*time.Second, 1280, 720)
	want := []struct{ mode, video, audio, name string }{
		{"remux", "", "", "convert-h264-aac-720p-60s"},
		{"transcode", "libx265", "ac3", "convert-hevc-ac3-720p-60s"},
	}
	if len(films) != len(want) {
		t.Fatalf("%d films, want %d", len(films), len(want))
	}
	for i, w := range want {
		f := films[i]
		if f.mode != w.mode || f.spec.VideoCodec != w.video || f.spec.AudioCodec != w.audio || f.name != w.name {
			t.Errorf("film %d = %s %q/%q %s, want %s %q/%q %s", i, f.mode, f.spec.VideoCodec, f.spec.AudioCodec, f.name,
				w.mode, w.video, w.audio, w.name)
		}
		// The spec must be one ffmpeg can make as an MKV.
		spec := f.spec
		spec.Out = "film.mkv"
		if _, err := media.TestFilmArgs(spec); err != nil {
			t.Errorf("film %d: %v", i, err)
		}
	}
}
