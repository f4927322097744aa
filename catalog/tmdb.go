package catalog

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// TMDBConfig configures the TMDB (themoviedb.org, API v3) provider. One of
// APIKey or Token is needed.
type TMDBConfig struct {
	APIKey       string // v3 key, sent as the api_key query parameter
	Token        string // v4 read access token, sent as a bearer token; preferred when both are set
	BaseURL      string // default https://api.themoviedb.org/3
	ImageBaseURL string // poster URL prefix; default https://image.tmdb.org/t/p/w342
	Language     string // e.g. "fr-FR"; empty for TMDB's default, English
	Client       *http.Client
	MaxRetryWait time.Duration // longest Retry-After honoured; default 5 s
	Logger       *slog.Logger
}

// TMDB is the provider of themoviedb.org: popularity, search, details,
// credits and posters.
type TMDB struct {
	cfg TMDBConfig
	f   *fetcher
}

// NewTMDB returns the TMDB provider.
func NewTMDB(cfg TMDBConfig) *TMDB {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.themoviedb.org/3"
	}
	if cfg.ImageBaseURL == "" {
		// The documented base and size; /configuration says the same, and
		// asking it on each start would cost a request for nothing.
		cfg.ImageBaseURL = "https://image.tmdb.org/t/p/w342"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.ImageBaseURL = strings.TrimRight(cfg.ImageBaseURL, "/")
	f := newFetcher("TMDB", cfg.Client, cfg.MaxRetryWait, cfg.Logger)
	if cfg.Token != "" {
		f.header.Set("Authorization", "Bearer "+cfg.Token)
	}
	return &TMDB{cfg: cfg, f: f}
}

// Name implements Provider.
func (p *TMDB) Name() string { return SourceTMDB }

// Popular implements Provider.
func (p *TMDB) Popular(ctx context.Context, page int) (Page, error) {
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	return p.list(ctx, "/movie/popular", url.Values{"page": {strconv.Itoa(page)}})
}

// Search implements Provider.
func (p *TMDB) Search(ctx context.Context, query string, page int) (Page, error) {
	query, err := cleanQuery(query)
	if err != nil {
		return Page{}, err
	}
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	return p.list(ctx, "/search/movie", url.Values{"query": {query}, "page": {strconv.Itoa(page)}, "include_adult": {"false"}})
}

// Details implements Provider. It needs Ref.TMDbID, a numeric Ref.ID or
// Ref.IMDbID.
func (p *TMDB) Details(ctx context.Context, ref Ref) (*Film, error) {
	id := ref.TMDbID
	if id == 0 && ref.ID != "" {
		n, err := strconv.Atoi(ref.ID)
		if err != nil || n <= 0 {
			return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not a TMDB film id.", ref.ID)
		}
		id = n
	}
	if id == 0 && ref.IMDbID != "" {
		if !validIMDbID(ref.IMDbID) {
			return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not an IMDb id (tt followed by digits).", ref.IMDbID)
		}
		var found struct {
			MovieResults []tmdbMovie `json:"movie_results"`
		}
		if err := p.get(ctx, "/find/"+ref.IMDbID, url.Values{"external_source": {"imdb_id"}}, &found); err != nil {
			return nil, err
		}
		if len(found.MovieResults) == 0 {
			return nil, hypertube.Errorf(hypertube.ENOTFOUND, "TMDB does not know the film %s.", ref.IMDbID)
		}
		id = found.MovieResults[0].ID
	}
	if id == 0 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "TMDB needs a TMDB or IMDb id to find a film.")
	}
	var m tmdbMovie
	q := url.Values{"append_to_response": {"credits,external_ids,alternative_titles"}}
	if err := p.get(ctx, "/movie/"+strconv.Itoa(id), q, &m); err != nil {
		return nil, err
	}
	film := p.film(m)
	return &film, nil
}

func (p *TMDB) list(ctx context.Context, path string, q url.Values) (Page, error) {
	var l struct {
		Page         int         `json:"page"`
		Results      []tmdbMovie `json:"results"`
		TotalPages   int         `json:"total_pages"`
		TotalResults int         `json:"total_results"`
	}
	if err := p.get(ctx, path, q, &l); err != nil {
		return Page{}, err
	}
	films := make([]Film, 0, len(l.Results))
	for _, m := range l.Results {
		films = append(films, p.film(m))
	}
	// TMDB answers at most 500 pages whatever total_pages says.
	return Page{Films: films, Page: l.Page, TotalPages: min(l.TotalPages, 500)}, nil
}

func (p *TMDB) get(ctx context.Context, path string, q url.Values, v any) error {
	if p.cfg.Token == "" {
		q.Set("api_key", p.cfg.APIKey)
	}
	if p.cfg.Language != "" {
		q.Set("language", p.cfg.Language)
	}
	body, status, err := p.f.get(ctx, p.cfg.BaseURL+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	var e struct {
		Success       *bool  `json:"success"`
		StatusCode    int    `json:"status_code"`
		StatusMessage string `json:"status_message"`
	}
	if status/100 != 2 {
		_ = json.Unmarshal(body, &e)
		return p.f.statusError(status, e.StatusMessage)
	}
	if json.Unmarshal(body, &e) == nil && e.Success != nil && !*e.Success {
		return p.f.statusError(http.StatusBadGateway, e.StatusMessage)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return p.f.decodeError(err)
	}
	return nil
}

type tmdbMovie struct {
	ID            int     `json:"id"`
	IMDbID        string  `json:"imdb_id"`
	Title         string  `json:"title"`
	OriginalTitle string  `json:"original_title"`
	Overview      string  `json:"overview"`
	ReleaseDate   string  `json:"release_date"`
	PosterPath    string  `json:"poster_path"`
	GenreIDs      []int   `json:"genre_ids"`
	VoteAverage   float64 `json:"vote_average"`
	VoteCount     int     `json:"vote_count"`
	Popularity    float64 `json:"popularity"`
	Runtime       int     `json:"runtime"`
	Genres        []struct {
		Name string `json:"name"`
	} `json:"genres"`
	Credits struct {
		Cast []struct {
			Name string `json:"name"`
		} `json:"cast"`
		Crew []struct {
			Name string `json:"name"`
			Job  string `json:"job"`
		} `json:"crew"`
	} `json:"credits"`
	ExternalIDs struct {
		IMDbID string `json:"imdb_id"`
	} `json:"external_ids"`
	AlternativeTitles struct {
		Titles []struct {
			Title string `json:"title"`
		} `json:"titles"`
	} `json:"alternative_titles"`
}

// tmdbGenres is TMDB's fixed list of film genres (/genre/movie/list), which
// list answers refer to by id only.
var tmdbGenres = map[int]string{
	28: "Action", 12: "Adventure", 16: "Animation", 35: "Comedy", 80: "Crime",
	99: "Documentary", 18: "Drama", 10751: "Family", 14: "Fantasy", 36: "History",
	27: "Horror", 10402: "Music", 9648: "Mystery", 10749: "Romance",
	878: "Science Fiction", 10770: "TV Movie", 53: "Thriller", 10752: "War", 37: "Western",
}

// maxCast is how many actors a film page lists.
const maxCast = 10

func (p *TMDB) film(m tmdbMovie) Film {
	f := Film{
		TMDbID:        m.ID,
		ID:            strconv.Itoa(m.ID),
		IMDbID:        m.IMDbID,
		Title:         strings.TrimSpace(m.Title),
		OriginalTitle: strings.TrimSpace(m.OriginalTitle),
		Year:          leadingYear(m.ReleaseDate),
		Summary:       strings.TrimSpace(m.Overview),
		Runtime:       m.Runtime,
		Rating:        m.VoteAverage,
		Votes:         m.VoteCount,
		Popularity:    m.Popularity,
		Sources:       []string{SourceTMDB},
	}
	if f.IMDbID == "" {
		f.IMDbID = m.ExternalIDs.IMDbID
	}
	if !validIMDbID(f.IMDbID) {
		f.IMDbID = ""
	}
	if m.PosterPath != "" {
		f.PosterURL = p.cfg.ImageBaseURL + "/" + strings.TrimLeft(m.PosterPath, "/")
	}
	for _, g := range m.Genres {
		f.Genres = append(f.Genres, g.Name)
	}
	if len(m.Genres) == 0 {
		for _, id := range m.GenreIDs {
			if g, ok := tmdbGenres[id]; ok {
				f.Genres = append(f.Genres, g)
			}
		}
	}
	for i, c := range m.Credits.Cast {
		if i == maxCast {
			break
		}
		f.Cast = append(f.Cast, c.Name)
	}
	var directors []string
	for _, c := range m.Credits.Crew {
		switch c.Job {
		case "Director":
			directors = appendNew(directors, c.Name)
		case "Producer":
			f.Producers = appendNew(f.Producers, c.Name)
		case "Screenplay", "Writer":
			f.Writers = appendNew(f.Writers, c.Name)
		}
	}
	f.Director = strings.Join(directors, ", ")
	for _, t := range m.AlternativeTitles.Titles {
		if t.Title != f.Title && t.Title != f.OriginalTitle {
			f.AlternativeTitles = appendNew(f.AlternativeTitles, t.Title)
		}
	}
	return f
}

func appendNew(list []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

var imdbIDPattern = regexp.MustCompile(`^tt[0-9]{7,10}$`)

func validIMDbID(s string) bool { return imdbIDPattern.MatchString(s) }

// leadingYear reads the year of "1999-10-15", "1999" or "2019–2020".
func leadingYear(s string) int {
	s = strings.TrimSpace(s)
	if len(s) < 4 {
		return 0
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 1870 || y > 2200 {
		return 0
	}
	return y
}

// maxQuery bounds search terms: no title is longer, and services refuse
// long queries with errors that would only confuse people.
const maxQuery = 200

func cleanQuery(q string) (string, error) {
	q = strings.Join(strings.Fields(q), " ")
	switch {
	case q == "":
		return "", hypertube.Errorf(hypertube.EINVALID, "Type a title to search for.")
	case len(q) > maxQuery:
		return "", hypertube.Errorf(hypertube.EINVALID, "The search is too long: %d characters at most.", maxQuery)
	}
	return q, nil
}
