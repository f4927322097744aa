package library_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/internal/catalogtest"
	"github.com/hypertube/hypertube/library"
	"github.com/hypertube/hypertube/store"
)

// fakeProvider is a catalog provider answering from memory.
type fakeProvider = catalogtest.Provider

// film is the i-th film of the fake catalogs: its IMDb id and title
// depend on i only, so two sources can list the same film.
func film(i int, source, id string) catalog.Film {
	return catalog.Film{
		IMDbID:  fmt.Sprintf("tt%07d", 1000000+i),
		ID:      id,
		Title:   fmt.Sprintf("Film %03d", i),
		Year:    1990 + i%30,
		Rating:  float64(i%10) + 0.5,
		Genres:  []string{[]string{"Drama", "Comedy", "Horror"}[i%3]},
		Sources: []string{source},
	}
}

// films are films from to to-1 of a source.
func films(source string, from, to int) []catalog.Film {
	var out []catalog.Film
	for i := from; i < to; i++ {
		out = append(out, film(i, source, fmt.Sprintf("%s-%d", source, i)))
	}
	return out
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	svc      *library.Service
	movies   *store.MovieService
	releases *store.ReleaseService
	clock    *clock
}

// newService returns a Service over a new SQLite store.
func newService(t testing.TB, providers ...catalog.Provider) env {
	t.Helper()
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Now()}
	e := env{
		movies:   store.NewMovieService(db),
		releases: store.NewReleaseService(db),
		clock:    c,
	}
	e.svc = &library.Service{
		Providers: providers,
		Movies:    e.movies,
		Releases:  e.releases,
		Cache:     store.NewCacheService(db),
		Timeout:   300 * time.Millisecond,
		Now:       c.Now,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return e
}

func titles(ms []*hypertube.Movie) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Title
	}
	return out
}
