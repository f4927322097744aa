package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// YTSConfig configures the YTS provider.
type YTSConfig struct {
	// BaseURL is the site (https://yts.example) or its API root
	// (…/api/v2). Required: YTS's mirrors change too often to pick one.
	BaseURL      string
	SortBy       string // Popular's order: "download_count" (default) or "seeds"
	Limit        int    // films per page, 1–50; default 20
	Client       *http.Client
	MaxRetryWait time.Duration
	Logger       *slog.Logger
}

// YTS is the provider of the YTS API: films with their torrents.
type YTS struct {
	cfg YTSConfig
	f   *fetcher
}

// NewYTS returns the YTS provider.
func NewYTS(cfg YTSConfig) *YTS {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasSuffix(cfg.BaseURL, "/api/v2") {
		cfg.BaseURL += "/api/v2"
	}
	if cfg.SortBy != "seeds" {
		cfg.SortBy = "download_count"
	}
	if cfg.Limit <= 0 || cfg.Limit > 50 {
		cfg.Limit = 20
	}
	return &YTS{cfg: cfg, f: newFetcher("YTS", cfg.Client, cfg.MaxRetryWait, cfg.Logger)}
}

// ytsTrackers are the trackers YTS's API documentation lists for magnets.
var ytsTrackers = []string{
	"udp://open.demonii.com:1337/announce",
	"udp://tracker.openbittorrent.com:80",
	"udp://tracker.coppersurfer.tk:6969",
	"udp://glotorrents.pw:6969/announce",
	"udp://tracker.opentrackr.org:1337/announce",
	"udp://torrent.gresille.org:80/announce",
	"udp://p4p.arenabg.com:1337",
	"udp://tracker.leechers-paradise.org:6969",
}

// Name implements Provider.
func (p *YTS) Name() string { return SourceYTS }

// Popular implements Provider.
func (p *YTS) Popular(ctx context.Context, page int) (Page, error) {
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	return p.list(ctx, url.Values{"sort_by": {p.cfg.SortBy}, "page": {strconv.Itoa(page)}})
}

// Search implements Provider.
func (p *YTS) Search(ctx context.Context, query string, page int) (Page, error) {
	query, err := cleanQuery(query)
	if err != nil {
		return Page{}, err
	}
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	return p.list(ctx, url.Values{"query_term": {query}, "sort_by": {"seeds"}, "page": {strconv.Itoa(page)}})
}

// Details implements Provider, by IMDb id or YTS movie id (Ref.ID).
func (p *YTS) Details(ctx context.Context, ref Ref) (*Film, error) {
	q := url.Values{"with_cast": {"true"}}
	switch {
	case ref.IMDbID != "":
		if !validIMDbID(ref.IMDbID) {
			return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not an IMDb id (tt followed by digits).", ref.IMDbID)
		}
		q.Set("imdb_id", ref.IMDbID)
	case ref.ID != "":
		if n, err := strconv.Atoi(ref.ID); err != nil || n <= 0 {
			return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not a YTS film id.", ref.ID)
		}
		q.Set("movie_id", ref.ID)
	default:
		return nil, hypertube.Errorf(hypertube.EINVALID, "YTS needs an IMDb id to find a film.")
	}
	var data struct {
		Movie ytsMovie `json:"movie"`
	}
	if err := p.get(ctx, "/movie_details.json", q, &data); err != nil {
		return nil, err
	}
	// YTS answers an unknown film with an empty one rather than an error.
	if data.Movie.ID == 0 {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "YTS does not know this film.")
	}
	f := p.film(data.Movie)
	return &f, nil
}

func (p *YTS) list(ctx context.Context, q url.Values) (Page, error) {
	q.Set("limit", strconv.Itoa(p.cfg.Limit))
	var data struct {
		MovieCount flexNumber `json:"movie_count"`
		Limit      flexNumber `json:"limit"`
		PageNumber flexNumber `json:"page_number"`
		Movies     []ytsMovie `json:"movies"`
	}
	if err := p.get(ctx, "/list_movies.json", q, &data); err != nil {
		return Page{}, err
	}
	limit := int(data.Limit)
	if limit <= 0 {
		limit = p.cfg.Limit
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if n := int(data.PageNumber); n > 0 {
		page = n
	}
	out := Page{Page: page, TotalPages: int(math.Ceil(float64(data.MovieCount) / float64(limit)))}
	for _, m := range data.Movies {
		out.Films = append(out.Films, p.film(m))
	}
	return out, nil
}

func (p *YTS) get(ctx context.Context, path string, q url.Values, data any) error {
	body, status, err := p.f.get(ctx, p.cfg.BaseURL+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	var r struct {
		Status        string          `json:"status"`
		StatusMessage string          `json:"status_message"`
		Data          json.RawMessage `json:"data"`
	}
	jsonErr := json.Unmarshal(body, &r)
	if status/100 != 2 {
		return p.f.statusError(status, r.StatusMessage)
	}
	if jsonErr != nil {
		return p.f.decodeError(jsonErr)
	}
	if r.Status != "ok" {
		if strings.Contains(strings.ToLower(r.StatusMessage), "not found") {
			return hypertube.Errorf(hypertube.ENOTFOUND, "YTS does not know this film.")
		}
		return p.f.statusError(http.StatusBadGateway, r.StatusMessage)
	}
	if len(r.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Data, data); err != nil {
		return p.f.decodeError(err)
	}
	return nil
}

type ytsMovie struct {
	ID               flexNumber  `json:"id"`
	IMDbCode         string      `json:"imdb_code"`
	Title            string      `json:"title"`
	TitleEnglish     string      `json:"title_english"`
	Year             flexNumber  `json:"year"`
	Rating           flexNumber  `json:"rating"`
	Runtime          flexNumber  `json:"runtime"`
	Genres           flexStrings `json:"genres"`
	Summary          string      `json:"summary"`
	DescriptionFull  string      `json:"description_full"`
	LargeCoverImage  string      `json:"large_cover_image"`
	MediumCoverImage string      `json:"medium_cover_image"`
	Cast             []struct {
		Name string `json:"name"`
	} `json:"cast"`
	Torrents []struct {
		URL        string     `json:"url"`
		Hash       string     `json:"hash"`
		Quality    string     `json:"quality"`
		Type       string     `json:"type"`
		VideoCodec string     `json:"video_codec"`
		Seeds      flexNumber `json:"seeds"`
		Peers      flexNumber `json:"peers"`
		SizeBytes  flexNumber `json:"size_bytes"`
	} `json:"torrents"`
}

var hexInfoHash = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

func (p *YTS) film(m ytsMovie) Film {
	f := Film{
		ID:        strconv.Itoa(int(m.ID)),
		IMDbID:    m.IMDbCode,
		Title:     strings.TrimSpace(m.TitleEnglish),
		Year:      int(m.Year),
		Rating:    float64(m.Rating), // YTS shows IMDb's rating
		Runtime:   int(m.Runtime),
		Genres:    append([]string(nil), m.Genres...),
		Summary:   strings.TrimSpace(m.DescriptionFull),
		PosterURL: httpsURL(m.LargeCoverImage),
		Sources:   []string{SourceYTS},
	}
	if f.Title == "" {
		f.Title = strings.TrimSpace(m.Title)
	}
	if f.Summary == "" {
		f.Summary = strings.TrimSpace(m.Summary)
	}
	if f.PosterURL == "" {
		f.PosterURL = httpsURL(m.MediumCoverImage)
	}
	if !validIMDbID(f.IMDbID) {
		f.IMDbID = ""
	}
	for i, c := range m.Cast {
		if i == maxCast {
			break
		}
		f.Cast = appendNew(f.Cast, c.Name)
	}
	seeds := 0
	for _, t := range m.Torrents {
		if !hexInfoHash.MatchString(t.Hash) {
			p.f.log.Warn("catalog: YTS torrent without a valid hash", "film", f.Title, "hash", t.Hash)
			continue
		}
		hash := strings.ToLower(t.Hash)
		kind := map[string]string{"bluray": "BluRay", "web": "WEB"}[strings.ToLower(t.Type)]
		name := fmt.Sprintf("%s (%d) [%s]", f.Title, f.Year, t.Quality)
		if kind != "" {
			name += " [" + kind + "]"
		}
		if t.VideoCodec != "" {
			name += " [" + t.VideoCodec + "]"
		}
		name += " [YTS.MX]"
		f.Torrents = append(f.Torrents, Release{
			Name:       name,
			InfoHash:   hash,
			Magnet:     Magnet(hash, name, ytsTrackers),
			TorrentURL: httpsURL(t.URL),
			Size:       int64(t.SizeBytes),
			Seeders:    int(t.Seeds),
			Peers:      int(t.Peers),
			Quality:    t.Quality,
			Codec:      t.VideoCodec,
			Source:     SourceYTS,
		})
		seeds += int(t.Seeds)
	}
	// List answers carry no download count, details do: seeders, in both,
	// measure what people watch now on one scale.
	f.Popularity = float64(seeds)
	return f
}

// Magnet builds a magnet URI for an info hash, with a display name and
// trackers.
func Magnet(infoHash, name string, trackers []string) string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(strings.ToLower(infoHash))
	if name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(name))
	}
	for _, tr := range trackers {
		b.WriteString("&tr=")
		b.WriteString(url.QueryEscape(tr))
	}
	return b.String()
}
