package catalog

import (
	"context"
	"net/http"
	"time"
)

// Names of the providers, as they appear in Film.Sources and in the
// precedence used by Merge.
const (
	SourceOMDb    = "omdb"
	SourceTMDB    = "tmdb"
	SourceYTS     = "yts"
	SourceArchive = "archive"
	// SourceBuiltin is declared in builtin.go.
)

// Provider is one source of films: a catalog web service or the films that
// ship with Hypertube. Errors are *hypertube.Error values whose message can
// be shown to a person as a notice that this source is missing from the
// page; they never mean the page itself failed.
type Provider interface {
	// Name is one of the Source constants.
	Name() string
	// Popular lists the source's most popular films; page counts from 1.
	Popular(ctx context.Context, page int) (Page, error)
	// Search lists the films whose title matches query; page counts from 1.
	Search(ctx context.Context, query string, page int) (Page, error)
	// Details returns everything the source knows about one film.
	Details(ctx context.Context, ref Ref) (*Film, error)
}

// Ref names a film for Details. Providers use what they understand: their
// own id first, then the IMDb id, then (OMDb only) title and year.
type Ref struct {
	ID     string // the provider's own id: archive.org identifier, YTS movie id, info hash for builtin
	TMDbID int
	IMDbID string
	Title  string
	Year   int
}

// Film is what one or several providers say about a film.
type Film struct {
	IMDbID            string
	TMDbID            int
	ID                string // the provider's own id, see Ref.ID
	Title             string
	OriginalTitle     string
	AlternativeTitles []string // other names the film is released under; helps match releases
	Year              int
	Summary           string
	Runtime           int // minutes
	Genres            []string
	Rating            float64 // IMDb rating out of 10 where known, else the source's own
	Votes             int     // number of votes behind Rating, when known
	Popularity        float64 // source-specific scale: only compare within one source
	PosterURL         string
	Director          string
	Writers           []string
	Producers         []string
	Cast              []string
	Torrents          []Release
	// Sources lists who contributed, highest precedence first (see Merge):
	// the first one supplied the details.
	Sources []string
}

// Release is one torrent of a film.
type Release struct {
	Name       string
	InfoHash   string // lowercase hex, empty when only a .torrent URL is known
	Magnet     string
	TorrentURL string
	Size       int64 // bytes, 0 when unknown
	Seeders    int
	Peers      int
	Downloads  int
	Quality    string // 480p, 720p, 1080p, 2160p when the source says so
	Codec      string // x264, x265, … when the source says so
	Source     string // the provider that listed it
}

// Page is one page of a provider's list.
type Page struct {
	Films      []Film
	Page       int
	TotalPages int
}

// userAgent is sent to every catalog service; some refuse anonymous
// clients, and it lets their operators tell who we are.
const userAgent = "Hypertube/1.0 (+https://github.com/hypertube/hypertube)"

// defaultTimeout bounds one request when the caller's client has none, so a
// stuck service cannot hold a page forever.
const defaultTimeout = 15 * time.Second

func defaultClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: defaultTimeout}
}
