// Package hypertube holds the domain types and service interfaces of the
// Hypertube streaming site. Adapters (torrent, tracker, store, web, …) live in
// their own packages and implement these interfaces; only cmd/hypertube wires
// them together.
package hypertube

import (
	"context"
	"time"
)

// Movie is a film of the library.
type Movie struct {
	ID       int64
	Title    string
	Year     int
	Summary  string
	Poster   string // URL, empty when the film has none
	ImdbID   string
	Runtime  int // minutes
	Genres   []string
	Rating   float64
	Source   string // "builtin", "demo", "user", …
	InfoHash string // hex, lowercase
	Magnet   string
	// FilePath is the path of the film's video file inside its torrent, once
	// known; empty means "the largest video file".
	FilePath string

	// Library details, from the catalog providers.
	OriginalTitle string
	Director      string
	Producers     []string
	Cast          []string
	Popularity    float64 // higher is more popular: the providers' popularity, seeders and downloads
	Seeders       int     // of the chosen release

	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastWatchedAt time.Time // zero when never watched
}

// MovieFilter narrows FindMovies. Zero fields do not filter.
type MovieFilter struct {
	Query     string
	Source    string
	InfoHash  string
	ImdbID    string
	Genre     string
	MinYear   int
	MaxYear   int
	MinRating float64
	MaxRating float64
	Sort      string // SortName (default), SortYear, SortRating, SortPopularity
	Desc      bool
	Offset    int
	Limit     int
}

// Sort orders of MovieFilter.
const (
	SortName       = "name"
	SortYear       = "year"
	SortRating     = "rating"
	SortPopularity = "popularity"
)

// MovieService stores the library.
type MovieService interface {
	FindMovieByID(ctx context.Context, id int64) (*Movie, error)
	FindMovieByInfoHash(ctx context.Context, infoHash string) (*Movie, error)
	FindMovies(ctx context.Context, filter MovieFilter) ([]*Movie, int, error)
	// CreateMovie inserts m and sets its ID; a film with the same info hash is
	// updated instead, so that catalogs can be re-imported.
	CreateMovie(ctx context.Context, m *Movie) error
	UpdateMovie(ctx context.Context, m *Movie) error
	DeleteMovie(ctx context.Context, id int64) error
	MarkMovieWatched(ctx context.Context, id int64, at time.Time) error
}
