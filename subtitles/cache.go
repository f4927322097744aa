package subtitles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hypertube/hypertube"
)

// Sources of subtitles, as named in the cache.
const (
	SourceTorrent       = "torrent"       // a .srt, .ass or .vtt file of the film's torrent
	SourceEmbedded      = "embedded"      // a track of the video file itself
	SourceOpenSubtitles = "opensubtitles" // downloaded from OpenSubtitles
)

// Cache keeps converted subtitles on disk, one WebVTT file per film,
// language and source: <Dir>/<movie>/<lang>-<source>.vtt. Dir is usually
// DataDir/subtitles.
type Cache struct {
	Dir string
}

// safeName allows names that cannot climb out of the cache nor hide as
// dot files: film ids, language codes ("en", "pt-BR") and sources.
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*$`)

// Path is where the subtitles of movie in lang from source are kept.
func (c *Cache) Path(movie, lang, source string) (string, error) {
	for _, n := range []string{movie, lang, source} {
		if len(n) > 64 || !safeName.MatchString(n) {
			return "", hypertube.Errorf(hypertube.EINVALID, "%q is not a valid film, language or subtitle source name.", n)
		}
	}
	return filepath.Join(c.Dir, movie, strings.ToLower(lang)+"-"+source+".vtt"), nil
}

// Get returns the cached WebVTT, or ENOTFOUND.
func (c *Cache) Get(movie, lang, source string) ([]byte, error) {
	path, err := c.Path(movie, lang, source)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No subtitles in this language yet.")
	}
	return b, err
}

// Put stores vtt, replacing what was there in one step so that a reader
// never sees half a file.
func (c *Cache) Put(movie, lang, source string, vtt []byte) error {
	path, err := c.Path(movie, lang, source)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("subtitles: cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("subtitles: cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(vtt); err != nil {
		tmp.Close()
		return fmt.Errorf("subtitles: cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("subtitles: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("subtitles: cache: %w", err)
	}
	return nil
}

// Entry is one cached subtitle file.
type Entry struct {
	Lang   string
	Source string
}

// List returns the cached subtitles of movie.
func (c *Cache) List(movie string) ([]Entry, error) {
	if !safeName.MatchString(movie) {
		return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not a valid film name.", movie)
	}
	files, err := os.ReadDir(filepath.Join(c.Dir, movie))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("subtitles: cache: %w", err)
	}
	var out []Entry
	for _, f := range files {
		name, ok := strings.CutSuffix(f.Name(), ".vtt")
		if !ok || strings.HasPrefix(name, ".") {
			continue
		}
		// The source has no dash; the language may have one.
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			out = append(out, Entry{Lang: name[:i], Source: name[i+1:]})
		}
	}
	return out, nil
}

// Remove deletes every cached subtitle of movie.
func (c *Cache) Remove(movie string) error {
	if !safeName.MatchString(movie) {
		return hypertube.Errorf(hypertube.EINVALID, "%q is not a valid film name.", movie)
	}
	return os.RemoveAll(filepath.Join(c.Dir, movie))
}
