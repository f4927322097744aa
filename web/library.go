package web

import (
	"context"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/library"
	"github.com/hypertube/hypertube/release"
)

// Library is the discover screen, the film details and the choice of
// torrent (library.Service).
type Library interface {
	Discover(ctx context.Context, q library.Query) (library.Result, error)
	Details(ctx context.Context, movieID int64) (*hypertube.Movie, error)
	ChooseRelease(ctx context.Context, movieID int64, caps release.Capabilities) (hypertube.Release, []release.Ranked, error)
	SelectRelease(ctx context.Context, movieID int64, infoHash string) error
}

// watchedShare is how far into a film a viewer must get for it to count as
// watched: opening a film to look at it is not watching it.
const watchedShare = 0.05

// continueRange bounds the films of the "continue watching" row: started
// for real, and not finished (the credits are left unwatched).
const (
	continueFrom  = 0.05
	continueUntil = 0.95
)

// watchMarker is what store.WatchService offers beyond WatchService: the
// films a viewer played past a share of their length.
type watchMarker interface {
	WatchedMovieIDsPast(ctx context.Context, userID int64, fraction float64) (map[int64]bool, error)
}

// genreLister lists the genres of the library, for the discover filter
// (store.MovieService).
type genreLister interface {
	FindGenres(ctx context.Context) ([]string, error)
}

// storeLibrary is the Library of a site configured without one: the films
// of the store, without providers, details or releases.
func storeLibrary(movies hypertube.MovieService) Library {
	return &library.Service{Movies: movies, Releases: noReleases{}, Cache: noCache{}}
}

type noReleases struct{}

func (noReleases) SetReleases(context.Context, int64, string, []hypertube.Release) error { return nil }
func (noReleases) ListReleases(context.Context, int64) ([]hypertube.Release, error)      { return nil, nil }

type noCache struct{}

func (noCache) Get(context.Context, string, time.Time) ([]byte, bool, error) { return nil, false, nil }
func (noCache) Put(context.Context, string, []byte, time.Time) error         { return nil }

// watchedIDs returns the films the viewer has watched, for the marks on
// cards; a failure costs the marks, not the page.
func (h *handler) watchedIDs(ctx context.Context, userID int64) map[int64]bool {
	var (
		ids map[int64]bool
		err error
	)
	if wm, ok := h.watches.(watchMarker); ok {
		ids, err = wm.WatchedMovieIDsPast(ctx, userID, watchedShare)
	} else {
		ids = map[int64]bool{}
		watches, lerr := h.watches.ListWatched(ctx, userID, 100)
		err = lerr
		for _, w := range watches {
			if w.Duration > 0 && w.Position >= watchedShare*w.Duration {
				ids[w.MovieID] = true
			}
		}
	}
	if err != nil {
		h.log.Warn("watched films", "user", userID, "err", err)
		return map[int64]bool{}
	}
	return ids
}
