package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/janitor"
)

// filmStore is what the janitor's adapter needs from the store.
type filmStore interface {
	FindMoviesWatchedBefore(ctx context.Context, t time.Time) ([]*hypertube.Movie, error)
}

// filmEngine is what it needs from the torrent engine.
type filmEngine interface {
	FilePath(infoHash string, index int) (string, error)
	Status(infoHash string) (*hypertube.TorrentStatus, error)
}

// diskFilms tells the janitor which films have files under the download
// directory and deletes them: the download and the film's subtitles.
// Conversions live in temporary directories that end with their sessions,
// and a film with a live one is in use, so never deleted.
type diskFilms struct {
	store     filmStore
	engine    filmEngine
	downloads string // DataDir/torrents
	subtitles string // DataDir/subtitles

	mu    sync.Mutex
	roots map[int64]string // film → its download's top directory or file
}

// FilmsOnDisk lists the films whose torrent the engine knows and whose
// files are under the download directory. Films seeded from elsewhere (the
// demo's) are not the janitor's to delete.
func (d *diskFilms) FilmsOnDisk(ctx context.Context) ([]janitor.Film, error) {
	movies, err := d.store.FindMoviesWatchedBefore(ctx, time.Now().Add(100*365*24*time.Hour))
	if err != nil {
		return nil, err
	}
	roots := map[int64]string{}
	var films []janitor.Film
	for _, m := range movies {
		root, ok := d.root(m.InfoHash)
		if !ok {
			continue
		}
		roots[m.ID] = root
		films = append(films, janitor.Film{
			ID: m.ID, InfoHash: m.InfoHash, LastWatched: m.LastWatchedAt, AddedAt: m.CreatedAt,
			Size: diskUsage(root) + diskUsage(filepath.Join(d.subtitles, strconv.FormatInt(m.ID, 10))),
		})
	}
	d.mu.Lock()
	d.roots = roots
	d.mu.Unlock()
	return films, nil
}

// root is the first path element under the download directory of the
// torrent's files: its folder, or its single file.
func (d *diskFilms) root(infoHash string) (string, bool) {
	p, err := d.engine.FilePath(infoHash, 0)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(d.downloads, p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
		return "", false
	}
	top := strings.Split(rel, string(filepath.Separator))[0]
	if top == "" || top == "." || top == ".." {
		return "", false
	}
	return filepath.Join(d.downloads, top), true
}

// RemoveFilm deletes the film's download and subtitles. The janitor has
// dropped the torrent already, so the path comes from the listing.
func (d *diskFilms) RemoveFilm(_ context.Context, f janitor.Film) error {
	d.mu.Lock()
	root, ok := d.roots[f.ID]
	d.mu.Unlock()
	if ok {
		if err := os.RemoveAll(root); err != nil {
			return err
		}
	}
	return os.RemoveAll(filepath.Join(d.subtitles, strconv.FormatInt(f.ID, 10)))
}

// inUse reports whether someone reads the film's torrent or watches a
// conversion of it.
func inUse(engine filmEngine, watching func(int64) bool, store interface {
	FindMovieByID(context.Context, int64) (*hypertube.Movie, error)
}) func(int64) bool {
	return func(id int64) bool {
		if watching(id) {
			return true
		}
		m, err := store.FindMovieByID(context.Background(), id)
		if err != nil {
			return true // when in doubt, keep it
		}
		st, err := engine.Status(m.InfoHash)
		return err == nil && st.Readers > 0
	}
}

func diskUsage(root string) int64 {
	var n int64
	filepath.WalkDir(root, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if info, err := e.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// defaultVendorDir finds node_modules next to the working directory or the
// executable, where scripts/deps installs it.
func defaultVendorDir() string {
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		dirs = append(dirs, wd)
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe), filepath.Dir(filepath.Dir(exe)))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "node_modules")
		if _, err := os.Stat(filepath.Join(p, "hls.js")); err == nil {
			return p
		}
	}
	return "node_modules"
}
