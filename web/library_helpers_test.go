package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/library"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/web"
)

// libSite is the site over a real SQLite store for films, releases,
// comments and watches, with the library fed by fake providers.
type libSite struct {
	*site
	store    *store.MovieService
	releases *store.ReleaseService
	comments *store.CommentService
}

// newLibSite starts the site with the given providers; "tester" has
// signed up. Its store starts without films.
func newLibSite(t *testing.T, providers ...catalog.Provider) *libSite {
	t.Helper()
	ls := &libSite{}
	var (
		db       *store.DB
		users    *store.UserService
		sessions *store.SessionService
		watches  *store.WatchService
	)
	ls.site = newSite(t, func(c *web.Config) {
		var err error
		if db, err = store.Open(t.Context(), "", t.TempDir()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		ls.store = store.NewMovieService(db)
		ls.releases = store.NewReleaseService(db)
		ls.comments = store.NewCommentService(db)
		ls.comments.Now = c.Now
		users, sessions, watches = store.NewUserService(db), store.NewSessionService(db), store.NewWatchService(db)
		sessions.Now = c.Now
		c.Movies, c.Users, c.Sessions, c.Watches = ls.store, users, sessions, watches
		c.Resets = store.NewResetService(db)
		c.Comments = ls.comments
		c.Library = &library.Service{
			Providers: providers,
			Movies:    ls.store,
			Releases:  ls.releases,
			Cache:     store.NewCacheService(db),
			Timeout:   2 * time.Second,
			Now:       c.Now,
			Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
	})
	// The helpers that reach the store (createUser, watches) use this one.
	ls.db, ls.users, ls.sessions, ls.watches = db, users, sessions, watches
	return ls
}

// seedFilms stores n films: titles "Film 001"…, years 1950+i%70,
// ratings i%100/10, genres cycling through five, popularity falling.
func seedFilms(t testing.TB, movies *store.MovieService, n int) []*hypertube.Movie {
	t.Helper()
	genres := []string{"Drama", "Comedy", "Horror", "Sci-Fi", "Animation"}
	films := make([]*hypertube.Movie, n)
	for i := range films {
		films[i] = &hypertube.Movie{
			Title:      fmt.Sprintf("Film %05d", i),
			Year:       1950 + i%70,
			ImdbID:     fmt.Sprintf("tt%08d", 30000000+i),
			Rating:     float64(i%100) / 10,
			Popularity: float64(n - i),
			Genres:     []string{genres[i%len(genres)]},
			Source:     "seed",
			InfoHash:   fmt.Sprintf("%040x", 0xabc000000+i),
		}
	}
	if err := movies.CreateMovies(context.Background(), films); err != nil {
		t.Fatal(err)
	}
	return films
}
