package catalog

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hypertube/hypertube"
)

// ArchiveConfig configures the Internet Archive provider.
type ArchiveConfig struct {
	BaseURL      string // default https://archive.org
	Rows         int    // films per page, 1–100; default 20
	Client       *http.Client
	MaxRetryWait time.Duration
	Logger       *slog.Logger
}

// Archive is the provider of the Internet Archive's feature films: public
// domain, each with a torrent that the Archive seeds itself.
type Archive struct {
	cfg ArchiveConfig
	f   *fetcher
}

// NewArchive returns the Internet Archive provider.
func NewArchive(cfg ArchiveConfig) *Archive {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://archive.org"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Rows <= 0 || cfg.Rows > 100 {
		cfg.Rows = 20
	}
	return &Archive{cfg: cfg, f: newFetcher("the Internet Archive", cfg.Client, cfg.MaxRetryWait, cfg.Logger)}
}

// archiveTrackers are the trackers written in the Archive's own .torrent
// files.
var archiveTrackers = []string{
	"http://bt1.archive.org:6969/announce",
	"http://bt2.archive.org:6969/announce",
}

const archiveFeatureFilms = "collection:feature_films AND mediatype:movies"

// Name implements Provider.
func (p *Archive) Name() string { return SourceArchive }

// Popular implements Provider: the most downloaded feature films.
func (p *Archive) Popular(ctx context.Context, page int) (Page, error) {
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	return p.search(ctx, archiveFeatureFilms, page)
}

// Search implements Provider: feature films with every word of query in
// their title.
func (p *Archive) Search(ctx context.Context, query string, page int) (Page, error) {
	query, err := cleanQuery(query)
	if err != nil {
		return Page{}, err
	}
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	// Only letters and digits reach the search engine: its query language
	// gives meaning to most punctuation.
	words := strings.FieldsFunc(query, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return Page{}, hypertube.Errorf(hypertube.EINVALID, "Type a title to search for: letters or digits.")
	}
	for i, w := range words {
		words[i] = "title:" + strings.ToLower(w)
	}
	return p.search(ctx, archiveFeatureFilms+" AND "+strings.Join(words, " AND "), page)
}

func (p *Archive) search(ctx context.Context, q string, page int) (Page, error) {
	v := url.Values{
		"q":      {q},
		"fl[]":   {"identifier", "title", "year", "description", "downloads", "subject"},
		"sort[]": {"downloads desc"},
		"rows":   {strconv.Itoa(p.cfg.Rows)},
		"page":   {strconv.Itoa(page)},
		"output": {"json"},
	}
	body, status, err := p.f.get(ctx, p.cfg.BaseURL+"/advancedsearch.php?"+v.Encode())
	if err != nil {
		return Page{}, err
	}
	var r struct {
		Error          string `json:"error"`
		ResponseHeader struct {
			Status int `json:"status"`
		} `json:"responseHeader"`
		Response *struct {
			NumFound int          `json:"numFound"`
			Docs     []archiveDoc `json:"docs"`
		} `json:"response"`
	}
	jsonErr := json.Unmarshal(body, &r)
	switch {
	case status/100 != 2:
		return Page{}, p.f.statusError(status, r.Error)
	case jsonErr != nil:
		return Page{}, p.f.decodeError(jsonErr)
	case r.Error != "" || r.ResponseHeader.Status != 0 || r.Response == nil:
		return Page{}, p.f.statusError(http.StatusBadGateway, r.Error)
	}
	out := Page{Page: page, TotalPages: (r.Response.NumFound + p.cfg.Rows - 1) / p.cfg.Rows}
	for _, d := range r.Response.Docs {
		if !archiveID.MatchString(d.Identifier) {
			continue
		}
		out.Films = append(out.Films, p.film(d))
	}
	return out, nil
}

type archiveDoc struct {
	Identifier         string      `json:"identifier"`
	Title              flexStrings `json:"title"`
	Year               flexNumber  `json:"year"`
	Date               flexStrings `json:"date"`
	Description        flexStrings `json:"description"`
	Downloads          flexNumber  `json:"downloads"`
	Subject            flexStrings `json:"subject"`
	Runtime            flexStrings `json:"runtime"`
	ExternalIdentifier flexStrings `json:"external-identifier"`
}

// archiveID is what an item identifier may be; anything else is refused
// before it reaches a URL path.
var archiveID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Details implements Provider: Ref.ID is the item's identifier.
func (p *Archive) Details(ctx context.Context, ref Ref) (*Film, error) {
	if !archiveID.MatchString(ref.ID) {
		return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not an Internet Archive identifier.", ref.ID)
	}
	body, status, err := p.f.get(ctx, p.cfg.BaseURL+"/metadata/"+ref.ID)
	if err != nil {
		return nil, err
	}
	if status/100 != 2 {
		return nil, p.f.statusError(status, "")
	}
	var m struct {
		IsDark   bool       `json:"is_dark"`
		ItemSize flexNumber `json:"item_size"`
		Metadata *archiveDoc
		Files    []struct {
			Name   string `json:"name"`
			Format string `json:"format"`
			BTIH   string `json:"btih"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, p.f.decodeError(err)
	}
	// An unknown item is answered with {} and status 200.
	if m.Metadata == nil || m.IsDark {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "The Internet Archive has no film %q.", ref.ID)
	}
	m.Metadata.Identifier = ref.ID
	f := p.film(*m.Metadata)
	rel := &f.Torrents[0]
	rel.Size = int64(m.ItemSize)
	for _, file := range m.Files {
		if file.Format == "Archive BitTorrent" && hexInfoHash.MatchString(file.BTIH) {
			rel.InfoHash = strings.ToLower(file.BTIH)
			rel.Magnet = Magnet(rel.InfoHash, ref.ID, archiveTrackers)
		}
	}
	return &f, nil
}

func (p *Archive) film(d archiveDoc) Film {
	f := Film{
		ID:         d.Identifier,
		Title:      d.Title.first(),
		Year:       int(d.Year),
		Summary:    plainText(d.Description.first()),
		Runtime:    runtimeMinutes(d.Runtime.first()),
		Popularity: float64(d.Downloads),
		Sources:    []string{SourceArchive},
	}
	if f.Title == "" {
		f.Title = d.Identifier
	}
	if f.Year == 0 {
		f.Year = leadingYear(d.Date.first())
	}
	for _, id := range d.ExternalIdentifier {
		if id, ok := strings.CutPrefix(id, "urn:imdb:"); ok && validIMDbID(id) {
			f.IMDbID = id
		}
	}
	for _, s := range d.Subject {
		for _, part := range strings.Split(s, ";") {
			if g, ok := archiveGenres[strings.ToLower(strings.TrimSpace(part))]; ok {
				f.Genres = appendNew(f.Genres, g)
			}
		}
	}
	f.Torrents = []Release{{
		Name:       d.Identifier,
		TorrentURL: p.cfg.BaseURL + "/download/" + d.Identifier + "/" + d.Identifier + "_archive.torrent",
		Downloads:  int(d.Downloads),
		Source:     SourceArchive,
	}}
	return f
}

// archiveGenres picks genres out of the Archive's free-form subjects.
var archiveGenres = map[string]string{
	"action": "Action", "adventure": "Adventure", "animation": "Animation", "cartoon": "Animation",
	"comedy": "Comedy", "crime": "Crime", "documentary": "Documentary", "drama": "Drama",
	"family": "Family", "fantasy": "Fantasy", "film noir": "Film Noir", "noir": "Film Noir",
	"history": "History", "horror": "Horror", "musical": "Music", "mystery": "Mystery",
	"romance": "Romance", "science fiction": "Science Fiction", "sci-fi": "Science Fiction",
	"thriller": "Thriller", "war": "War", "western": "Western",
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<\s*(br|/?p|/?div|/?li)\b[^>]*>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
)

// plainText turns the Archive's HTML descriptions into text.
func plainText(s string) string {
	s = htmlBreak.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// runtimeMinutes reads "1:35:56", "95:12", "95 min" or "95".
func runtimeMinutes(s string) int {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "min"))
	parts := strings.Split(s, ":")
	n := make([]int, len(parts))
	for i, part := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 0 {
			return 0
		}
		n[i] = v
	}
	switch len(n) {
	case 1:
		return n[0]
	case 2: // minutes:seconds
		return n[0]
	case 3:
		return n[0]*60 + n[1]
	}
	return 0
}
