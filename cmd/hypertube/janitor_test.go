package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/janitor"
	"github.com/hypertube/hypertube/store"
)

// janitorEngine is the torrent engine as the janitor sees it: where each
// torrent's first file is, how many readers it has, and which were dropped.
type janitorEngine struct {
	mu      sync.Mutex
	paths   map[string]string // info hash → first file's path
	readers map[string]int
	dropped []string
}

func (e *janitorEngine) FilePath(infoHash string, index int) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.paths[infoHash]
	if !ok || index != 0 {
		return "", hypertube.Errorf(hypertube.ENOTFOUND, "no torrent %s", infoHash)
	}
	return p, nil
}

func (e *janitorEngine) Status(infoHash string) (*hypertube.TorrentStatus, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.paths[infoHash]; !ok {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "no torrent %s", infoHash)
	}
	return &hypertube.TorrentStatus{InfoHash: infoHash, Readers: e.readers[infoHash]}, nil
}

func (e *janitorEngine) Drop(infoHash string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.paths[infoHash]; !ok {
		return hypertube.Errorf(hypertube.ENOTFOUND, "no torrent %s", infoHash)
	}
	delete(e.paths, infoHash)
	e.dropped = append(e.dropped, infoHash)
	return nil
}

// janitorFilm is one film of the sweep: where its torrent's first file is
// (relative to the data directory; "" when the engine does not know it),
// when it was last watched (days before the sweep; 0 means never) and
// whether someone watches it.
type janitorFilm struct {
	name       string
	file       string
	watchedAgo int
	readers    int
	converting bool
	wantGone   bool
}

// TestJanitorDeletesOnlyTheFilmsFolders runs the janitor as serve wires it,
// over a real SQLite store and data directory, with the sweep a month
// after the films were watched: the films unwatched for 31 days lose
// their download and subtitles; those watched 29 days ago, being read or
// being converted stay; nothing outside the film's own folders goes, not
// the demo's seed files, not a path that climbs out of the downloads.
func TestJanitorDeletesOnlyTheFilmsFolders(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	db, err := store.Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	movies := store.NewMovieService(db)
	downloads, subs := filepath.Join(data, "torrents"), filepath.Join(data, "subtitles")

	films := []janitorFilm{
		{name: "old folder", file: "torrents/Old Film/Old.Film.mkv", watchedAgo: 31, wantGone: true},
		{name: "old single file", file: "torrents/Single.mp4", watchedAgo: 45, wantGone: true},
		{name: "recent", file: "torrents/Recent Film/Recent.mkv", watchedAgo: 29},
		{name: "old but read", file: "torrents/Read Film/Read.mkv", watchedAgo: 31, readers: 1},
		{name: "old but converting", file: "torrents/Converting Film/c.mkv", watchedAgo: 31, converting: true},
		{name: "demo seed", file: "demo/two-tones.mkv", watchedAgo: 60},
		{name: "climbs out", file: "torrents/../escape/Escape.mkv", watchedAgo: 60},
		{name: "unknown torrent", watchedAgo: 60},
	}
	engine := &janitorEngine{paths: map[string]string{}, readers: map[string]int{}}
	// The clock of the sweep is a month and more after now; the films were
	// watched that many days before it.
	now := time.Now().Add(40 * 24 * time.Hour).Truncate(time.Second)
	ids := map[string]int64{}
	converting := map[int64]bool{}
	for i, f := range films {
		ih := fmt.Sprintf("%040x", i+1)
		m := &hypertube.Movie{Title: "Janitor " + f.name, Year: 2020, InfoHash: ih, Magnet: "magnet:?xt=urn:btih:" + ih}
		if err := movies.CreateMovie(ctx, m); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		ids[f.name] = m.ID
		if err := movies.MarkMovieWatched(ctx, m.ID, now.Add(-time.Duration(f.watchedAgo)*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if f.file != "" {
			p := filepath.Join(data, f.file)
			writeJanitorFile(t, p)
			engine.paths[ih] = p
		}
		engine.readers[ih] = f.readers
		converting[m.ID] = f.converting
		writeJanitorFile(t, filepath.Join(subs, strconv.FormatInt(m.ID, 10), "en.vtt"))
	}
	// What belongs to no film: the database, the site key, a stray file in
	// the downloads, subtitles of a film the store does not know.
	others := []string{"secret.key", "torrents/stray.txt", "subtitles/999999/en.vtt", "demo-seeder/x.mkv"}
	for _, o := range others {
		writeJanitorFile(t, filepath.Join(data, o))
	}

	disk := &diskFilms{store: movies, engine: engine, downloads: downloads, subtitles: subs}
	j := &janitor.Janitor{
		Films:  disk,
		Files:  disk,
		Engine: engine,
		InUse:  inUse(engine, func(id int64) bool { return converting[id] }, movies),
		MaxAge: 30 * 24 * time.Hour,
	}
	deleted, err := j.Sweep(ctx, now)
	if err != nil {
		t.Fatalf("sweep: %v", err)
	}

	var want []int64
	for _, f := range films {
		if f.wantGone {
			want = append(want, ids[f.name])
		}
	}
	slices.Sort(deleted)
	slices.Sort(want)
	if !slices.Equal(deleted, want) {
		t.Errorf("deleted films %v, want %v", deleted, want)
	}
	for i, f := range films {
		ih := fmt.Sprintf("%040x", i+1)
		subDir := filepath.Join(subs, strconv.FormatInt(ids[f.name], 10))
		if f.file != "" {
			if gone := !exists(filepath.Join(data, f.file)); gone != f.wantGone {
				t.Errorf("%s: file %s gone = %v, want %v", f.name, f.file, gone, f.wantGone)
			}
		}
		if gone := !exists(subDir); gone != f.wantGone {
			t.Errorf("%s: subtitles gone = %v, want %v", f.name, gone, f.wantGone)
		}
		if dropped := slices.Contains(engine.dropped, ih); dropped != f.wantGone {
			t.Errorf("%s: torrent dropped = %v, want %v", f.name, dropped, f.wantGone)
		}
	}
	if exists(filepath.Join(downloads, "Old Film")) {
		t.Errorf("the old film's folder is still there")
	}
	for _, o := range append(others, "hypertube.db", "torrents", "subtitles", "demo") {
		if !exists(filepath.Join(data, o)) {
			t.Errorf("%s was deleted; it belongs to no deleted film", o)
		}
	}

	// A second sweep finds nothing more to do.
	if again, err := j.Sweep(ctx, now); err != nil || len(again) != 0 {
		t.Errorf("second sweep deleted %v (err %v), want nothing", again, err)
	}
}

// TestJanitorDiskBudget: past the budget the least recently watched film
// goes, however young, and the size counted is the download plus the
// subtitles.
func TestJanitorDiskBudget(t *testing.T) {
	ctx := t.Context()
	data := t.TempDir()
	db, err := store.Open(ctx, "", data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	movies := store.NewMovieService(db)
	engine := &janitorEngine{paths: map[string]string{}, readers: map[string]int{}}
	now := time.Now().Truncate(time.Second)
	var ids []int64
	for i, ago := range []time.Duration{3 * time.Hour, 2 * time.Hour, time.Hour} {
		ih := fmt.Sprintf("%040x", 0x100+i)
		m := &hypertube.Movie{Title: fmt.Sprintf("Budget %d", i), Year: 2021, InfoHash: ih, Magnet: "magnet:?xt=urn:btih:" + ih}
		if err := movies.CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := movies.MarkMovieWatched(ctx, m.ID, now.Add(-ago)); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(data, "torrents", fmt.Sprintf("Budget %d", i), "film.mkv")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, 1000), 0o644); err != nil {
			t.Fatal(err)
		}
		engine.paths[ih] = p
		ids = append(ids, m.ID)
	}
	disk := &diskFilms{store: movies, engine: engine,
		downloads: filepath.Join(data, "torrents"), subtitles: filepath.Join(data, "subtitles")}
	listed, err := disk.FilmsOnDisk(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range listed {
		if f.Size != 1000 {
			t.Errorf("film %d: size %d, want 1000", f.ID, f.Size)
		}
	}
	j := &janitor.Janitor{Films: disk, Files: disk, Engine: engine, Budget: 2500}
	deleted, err := j.Sweep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(deleted, ids[:1]) {
		t.Errorf("deleted %v, want only the least recently watched %v", deleted, ids[:1])
	}
	if exists(filepath.Join(data, "torrents", "Budget 0")) || !exists(filepath.Join(data, "torrents", "Budget 1")) {
		t.Errorf("wrong folders deleted")
	}
}

// TestInUse: a film is in use when converted or read, and kept when in
// doubt (the store does not know it).
func TestInUse(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	movies := store.NewMovieService(db)
	engine := &janitorEngine{paths: map[string]string{}, readers: map[string]int{}}
	film := func(title string, readers int) int64 {
		ih := fmt.Sprintf("%040x", len(engine.paths)+0x200)
		m := &hypertube.Movie{Title: title, Year: 2022, InfoHash: ih, Magnet: "magnet:?xt=urn:btih:" + ih}
		if err := movies.CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		engine.paths[ih] = "/nowhere"
		engine.readers[ih] = readers
		return m.ID
	}
	idle, read, converted := film("Idle", 0), film("Read", 2), film("Converted", 0)
	used := inUse(engine, func(id int64) bool { return id == converted }, movies)
	for _, tc := range []struct {
		name string
		id   int64
		want bool
	}{
		{"idle", idle, false},
		{"read", read, true},
		{"converted", converted, true},
		{"unknown to the store", 987654, true},
	} {
		if got := used(tc.id); got != tc.want {
			t.Errorf("%s: in use = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func writeJanitorFile(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
