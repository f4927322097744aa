// Package library turns the catalog providers into the site's library: the
// discover page (popular films, or a search), the film details and the
// choice of the torrent to play. Providers are asked as little as possible:
// their answers are cached, what they say is stored, and every page is
// served from the store, so that paging, filters and sorting agree.
package library

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// Cache keeps providers' answers until they expire; store.CacheService is
// one.
type Cache interface {
	Get(ctx context.Context, key string, now time.Time) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte, expires time.Time) error
}

// Defaults of Service.
const (
	DefaultTTL       = 6 * time.Hour
	DefaultTimeout   = 4 * time.Second
	DefaultPageSize  = 24
	MaxPageSize      = 100
	maxProviderPages = 20 // of one list: past this, the store has plenty
	maxQueryLen      = 200
	// failureBackoff is how long a provider that failed is left alone, so
	// that a dead service does not cost every page its timeout.
	failureBackoff = 30 * time.Second
)

// Service is the library. Providers, Movies, Releases and Cache are
// required; the rest has defaults. A Service must not be copied once used.
type Service struct {
	Providers []catalog.Provider
	Movies    hypertube.MovieService
	Releases  hypertube.ReleaseService
	Cache     Cache
	TTL       time.Duration    // how long providers' answers are kept; DefaultTTL if 0
	Timeout   time.Duration    // for one provider's answer; DefaultTimeout if 0
	Now       func() time.Time // time.Now if nil
	Logger    *slog.Logger     // slog.Default() if nil

	mu     sync.Mutex
	downTo map[string]time.Time     // provider name → when to ask it again
	flight map[string]chan struct{} // cache keys being fetched right now
}

// Query is what the discover page asks for.
type Query struct {
	Text      string // a title to search for; empty for the popular films
	Genre     string
	MinYear   int
	MaxYear   int
	MinRating float64
	MaxRating float64
	Sort      string // hypertube.SortName, …; popularity (popular) or name (search) if empty
	Desc      bool
	Page      int // from 1; 0 means 1
	PageSize  int // DefaultPageSize if 0, at most MaxPageSize
}

// Result is one page of the discover screen.
type Result struct {
	Movies   []*hypertube.Movie
	Total    int // films in the store that match, so far
	Page     int
	PageSize int
	// HasMore tells the infinite scroll to ask for the next page: the store
	// has more, or the providers may.
	HasMore bool
	// Down names the sources missing from the page because they are not
	// answering ("TMDB"), for the viewer.
	Down []string
}

func (s *Service) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s *Service) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// sourceNames are the providers as a viewer knows them.
var sourceNames = map[string]string{
	catalog.SourceTMDB:    "TMDB",
	catalog.SourceOMDb:    "OMDb",
	catalog.SourceYTS:     "YTS",
	catalog.SourceArchive: "Internet Archive",
	catalog.SourceBuiltin: "The built-in catalog",
}

func sourceName(name string) string {
	if n, ok := sourceNames[name]; ok {
		return n
	}
	return name
}

// isDown tells whether a provider failed a moment ago.
func (s *Service) isDown(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now().Before(s.downTo[name])
}

func (s *Service) markDown(name string, down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.downTo == nil {
		s.downTo = map[string]time.Time{}
	}
	if down {
		s.downTo[name] = s.now().Add(failureBackoff)
	} else {
		delete(s.downTo, name)
	}
}

// join waits while another request fetches key, then lets this one fetch
// it; done must be called after. Two viewers opening the same page at once
// ask each provider once: the second finds the first one's answer cached.
func (s *Service) join(ctx context.Context, key string) (done func(), err error) {
	for {
		s.mu.Lock()
		if s.flight == nil {
			s.flight = map[string]chan struct{}{}
		}
		ch, busy := s.flight[key]
		if !busy {
			ch = make(chan struct{})
			s.flight[key] = ch
			s.mu.Unlock()
			return func() {
				s.mu.Lock()
				delete(s.flight, key)
				s.mu.Unlock()
				close(ch)
			}, nil
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
