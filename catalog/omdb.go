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

// OMDbConfig configures the OMDb (omdbapi.com) provider.
type OMDbConfig struct {
	APIKey       string
	BaseURL      string // default https://www.omdbapi.com/
	Client       *http.Client
	MaxRetryWait time.Duration
	Logger       *slog.Logger
}

// OMDb is the provider of omdbapi.com, our source of IMDb ratings. It has
// no list of popular films: Popular answers an empty page.
type OMDb struct {
	cfg OMDbConfig
	f   *fetcher
}

// NewOMDb returns the OMDb provider.
func NewOMDb(cfg OMDbConfig) *OMDb {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://www.omdbapi.com/"
	}
	return &OMDb{cfg: cfg, f: newFetcher("OMDb", cfg.Client, cfg.MaxRetryWait, cfg.Logger)}
}

// Name implements Provider.
func (p *OMDb) Name() string { return SourceOMDb }

// Popular implements Provider: OMDb cannot list films by popularity, so the
// page is empty and not an error.
func (p *OMDb) Popular(ctx context.Context, page int) (Page, error) {
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	return Page{Page: page}, nil
}

// omdbPageSize is fixed by OMDb.
const omdbPageSize = 10

// Search implements Provider.
func (p *OMDb) Search(ctx context.Context, query string, page int) (Page, error) {
	query, err := cleanQuery(query)
	if err != nil {
		return Page{}, err
	}
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	var r struct {
		Search []struct {
			Title  string `json:"Title"`
			Year   string `json:"Year"`
			IMDbID string `json:"imdbID"`
			Type   string `json:"Type"`
			Poster string `json:"Poster"`
		} `json:"Search"`
		TotalResults string `json:"totalResults"`
	}
	err = p.get(ctx, url.Values{"s": {query}, "type": {"movie"}, "page": {strconv.Itoa(page)}}, &r)
	if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
		return Page{Page: page}, nil // nothing matches: an empty page, not a failure
	}
	if err != nil {
		return Page{}, err
	}
	total, _ := strconv.Atoi(na(r.TotalResults))
	out := Page{Page: page, TotalPages: (total + omdbPageSize - 1) / omdbPageSize}
	for _, s := range r.Search {
		if !validIMDbID(s.IMDbID) {
			continue
		}
		out.Films = append(out.Films, Film{
			IMDbID:    s.IMDbID,
			ID:        s.IMDbID,
			Title:     na(s.Title),
			Year:      leadingYear(na(s.Year)),
			PosterURL: httpsURL(na(s.Poster)),
			Sources:   []string{SourceOMDb},
		})
	}
	return out, nil
}

// Details implements Provider: by IMDb id (Ref.IMDbID or Ref.ID), else by
// title and year.
func (p *OMDb) Details(ctx context.Context, ref Ref) (*Film, error) {
	q := url.Values{"plot": {"full"}, "type": {"movie"}}
	id := ref.IMDbID
	if id == "" {
		id = ref.ID
	}
	switch {
	case id != "":
		if !validIMDbID(id) {
			return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not an IMDb id (tt followed by digits).", id)
		}
		q.Set("i", id)
	case strings.TrimSpace(ref.Title) != "":
		title, err := cleanQuery(ref.Title)
		if err != nil {
			return nil, err
		}
		q.Set("t", title)
		if ref.Year > 0 {
			q.Set("y", strconv.Itoa(ref.Year))
		}
	default:
		return nil, hypertube.Errorf(hypertube.EINVALID, "OMDb needs an IMDb id or a title to find a film.")
	}
	var m struct {
		Title      string `json:"Title"`
		Year       string `json:"Year"`
		Runtime    string `json:"Runtime"`
		Genre      string `json:"Genre"`
		Director   string `json:"Director"`
		Writer     string `json:"Writer"`
		Actors     string `json:"Actors"`
		Plot       string `json:"Plot"`
		Poster     string `json:"Poster"`
		IMDbRating string `json:"imdbRating"`
		IMDbVotes  string `json:"imdbVotes"`
		IMDbID     string `json:"imdbID"`
	}
	if err := p.get(ctx, q, &m); err != nil {
		return nil, err
	}
	f := &Film{
		IMDbID:    na(m.IMDbID),
		ID:        na(m.IMDbID),
		Title:     na(m.Title),
		Year:      leadingYear(na(m.Year)),
		Summary:   na(m.Plot),
		Runtime:   minutes(na(m.Runtime)),
		Genres:    commaList(m.Genre),
		Director:  strings.Join(commaList(m.Director), ", "),
		Writers:   commaList(m.Writer),
		Cast:      commaList(m.Actors),
		PosterURL: httpsURL(na(m.Poster)),
		Sources:   []string{SourceOMDb},
	}
	f.Rating, _ = strconv.ParseFloat(na(m.IMDbRating), 64)
	f.Votes, _ = strconv.Atoi(strings.ReplaceAll(na(m.IMDbVotes), ",", ""))
	if len(f.Cast) > maxCast {
		f.Cast = f.Cast[:maxCast]
	}
	return f, nil
}

func (p *OMDb) get(ctx context.Context, q url.Values, v any) error {
	q.Set("apikey", p.cfg.APIKey)
	body, status, err := p.f.get(ctx, p.cfg.BaseURL+"?"+q.Encode())
	if err != nil {
		return err
	}
	// OMDb reports most failures as {"Response":"False","Error":"…"},
	// with 200 or 401: read that first.
	var r struct {
		Response string `json:"Response"`
		Error    string `json:"Error"`
	}
	jsonErr := json.Unmarshal(body, &r)
	if jsonErr == nil && strings.EqualFold(r.Response, "False") {
		return p.answerError(status, r.Error)
	}
	if status/100 != 2 {
		return p.f.statusError(status, string(body[:min(len(body), 200)]))
	}
	if jsonErr != nil {
		return p.f.decodeError(jsonErr)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return p.f.decodeError(err)
	}
	return nil
}

func (p *OMDb) answerError(status int, msg string) error {
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "not found"), strings.Contains(lower, "incorrect imdb id"):
		return hypertube.Errorf(hypertube.ENOTFOUND, "OMDb does not know this film.")
	case strings.Contains(lower, "too many results"):
		return hypertube.Errorf(hypertube.EINVALID, "Too many films match on OMDb: type more of the title.")
	case strings.Contains(lower, "api key"):
		return p.f.statusError(http.StatusUnauthorized, msg)
	case strings.Contains(lower, "limit"):
		return p.f.statusError(http.StatusTooManyRequests, msg)
	}
	if status/100 == 2 {
		status = http.StatusBadGateway
	}
	return p.f.statusError(status, msg)
}

// na reads OMDb's "N/A", its word for a missing field.
func na(s string) string {
	s = strings.TrimSpace(s)
	if s == "N/A" {
		return ""
	}
	return s
}

var parenthetical = regexp.MustCompile(`\s*\([^)]*\)`)

// commaList reads "Chuck Palahniuk (novel), Jim Uhls (screenplay)" as
// names, without the roles and without repeats.
func commaList(s string) []string {
	var out []string
	for _, part := range strings.Split(na(s), ",") {
		out = appendNew(out, parenthetical.ReplaceAllString(part, ""))
	}
	return out
}

// minutes reads "139 min".
func minutes(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(s, "min")))
	return max(n, 0)
}

// httpsURL keeps only web addresses, so that a provider's text can never
// put a javascript: URL on a page.
func httpsURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return s
}
