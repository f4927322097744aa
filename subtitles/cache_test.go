package subtitles_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/subtitles"
)

func TestCache(t *testing.T) {
	c := &subtitles.Cache{Dir: filepath.Join(t.TempDir(), "subtitles")}
	if _, err := c.Get("42", "en", subtitles.SourceOpenSubtitles); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Fatalf("empty cache: %v, want ENOTFOUND", err)
	}
	if err := c.Put("42", "en", subtitles.SourceOpenSubtitles, []byte("WEBVTT\n")); err != nil {
		t.Fatal(err)
	}
	if err := c.Put("42", "pt-BR", subtitles.SourceEmbedded, []byte("WEBVTT\n\nx")); err != nil {
		t.Fatal(err)
	}
	if b, err := c.Get("42", "en", subtitles.SourceOpenSubtitles); err != nil || string(b) != "WEBVTT\n" {
		t.Errorf("Get = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "42", "en-opensubtitles.vtt")); err != nil {
		t.Errorf("not at the documented path: %v", err)
	}
	entries, err := c.List("42")
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(entries, func(a, b subtitles.Entry) int { return strings.Compare(a.Lang, b.Lang) })
	if want := []subtitles.Entry{{"en", "opensubtitles"}, {"pt-br", "embedded"}}; !slices.Equal(entries, want) {
		t.Errorf("List = %v, want %v", entries, want)
	}
	for _, bad := range [][3]string{{"../x", "en", "torrent"}, {"42", "../../etc", "torrent"}, {"42", "en", "a/b"}, {".", "en", "torrent"}, {"", "en", "torrent"}} {
		if err := c.Put(bad[0], bad[1], bad[2], nil); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("Put(%q): %v, want EINVALID", bad, err)
		}
	}
	if err := c.Remove("42"); err != nil {
		t.Fatal(err)
	}
	if entries, _ := c.List("42"); len(entries) != 0 {
		t.Errorf("after Remove: %v", entries)
	}
}

// cueAt matches the fixture's cue, give or take the few milliseconds by
// which ffmpeg shifts a file whose audio starts before zero.
var cueAt = regexp.MustCompile(`00:01\.0[0-4]\d --> 00:02\.5[0-4]\d`)

func TestExtract(t *testing.T) {
	dir := t.TempDir()
	srt := filepath.Join(dir, "in.srt")
	os.WriteFile(srt, []byte("1\n00:00:01,000 --> 00:00:02,500\nInside the film\n"), 0o644)
	film := filepath.Join(dir, "film.mkv")
	r := &media.Runner{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec := media.TestFilm{Out: film, Duration: 3 * time.Second, Width: 160, Height: 90, Subtitle: srt, SubtitleLanguage: "eng"}
	if err := r.MakeTestFilm(ctx, "fixture", spec); err != nil {
		t.Fatal(err)
	}
	vtt, err := subtitles.Extract(ctx, r, "test", film, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(vtt), "WEBVTT") || !cueAt.MatchString(string(vtt)) || !strings.Contains(string(vtt), "Inside the film") {
		t.Errorf("extracted %q", vtt)
	}
	if _, err := subtitles.Extract(ctx, r, "test", film, 1); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("missing track: %v, want EINVALID", err)
	}
	if got := subtitles.ExtractArgs("-x.mkv", 2); !slices.Equal(got[len(got)-7:], []string{"-i", "file:-x.mkv", "-map", "0:s:2", "-f", "webvtt", "-"}) {
		t.Errorf("ExtractArgs = %q", got)
	}
}
