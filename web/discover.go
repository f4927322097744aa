package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/library"
)

// discoverForm is the discover form as the viewer filled it in, kept as
// typed so that a mistake can be shown next to what caused it. Its fields
// are the URL's parameters, so a view can be shared by its address.
type discoverForm struct {
	Q, Genre, Sort, Order         string
	MinYear, MaxYear              string
	MinRating, MaxRating          string
	Page                          int
	query                         library.Query
	sortDefault, orderDescDefault bool
}

// discoverParams are the URL parameters of the discover form, in the order
// they appear in links.
var discoverParams = []string{"q", "genre", "sort", "order", "year_min", "year_max", "rating_min", "rating_max"}

// maxDiscoverPage keeps page numbers sane; library.Service stops asking
// providers long before.
const maxDiscoverPage = 1000

// parseDiscover reads the discover form from the URL. Errors are EINVALID
// with a message for the viewer.
func parseDiscover(v url.Values) (discoverForm, error) {
	f := discoverForm{
		Q: strings.TrimSpace(v.Get("q")), Genre: strings.TrimSpace(v.Get("genre")),
		Sort: v.Get("sort"), Order: v.Get("order"),
		MinYear: strings.TrimSpace(v.Get("year_min")), MaxYear: strings.TrimSpace(v.Get("year_max")),
		MinRating: strings.TrimSpace(v.Get("rating_min")), MaxRating: strings.TrimSpace(v.Get("rating_max")),
		Page: 1,
	}
	q := library.Query{Text: f.Q, Genre: f.Genre}
	switch f.Sort {
	case "", hypertube.SortName, hypertube.SortYear, hypertube.SortRating, hypertube.SortPopularity:
	default:
		return f, keyError(hypertube.EINVALID, "library.badSort")
	}
	switch f.Order {
	case "", "asc", "desc":
	default:
		return f, keyError(hypertube.EINVALID, "library.badOrder")
	}
	if f.Sort != "" {
		q.Sort = f.Sort
		// Names read best A to Z; years, ratings and popularity best first.
		q.Desc = f.Sort != hypertube.SortName
		if f.Order != "" {
			q.Desc = f.Order == "desc"
		}
	}
	var err error
	if q.MinYear, err = parseYear(f.MinYear); err != nil {
		return f, err
	}
	if q.MaxYear, err = parseYear(f.MaxYear); err != nil {
		return f, err
	}
	if q.MinRating, err = parseRating(f.MinRating); err != nil {
		return f, err
	}
	if q.MaxRating, err = parseRating(f.MaxRating); err != nil {
		return f, err
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxDiscoverPage {
			return f, keyError(hypertube.EINVALID, "library.badPage")
		}
		f.Page = n
	}
	q.Page = f.Page
	f.query = q
	return f, nil
}

func parseYear(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 9999 {
		return 0, keyError(hypertube.EINVALID, "library.badYear")
	}
	return n, nil
}

func parseRating(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 10 {
		return 0, keyError(hypertube.EINVALID, "library.badRating")
	}
	return f, nil
}

// values are the form's non-empty URL parameters, page excluded.
func (f discoverForm) values() url.Values {
	v := url.Values{}
	for i, s := range []string{f.Q, f.Genre, f.Sort, f.Order, f.MinYear, f.MaxYear, f.MinRating, f.MaxRating} {
		if s != "" {
			v.Set(discoverParams[i], s)
		}
	}
	return v
}

// pageURL is the address of page n of this view under path.
func (f discoverForm) pageURL(path string, n int) string {
	v := f.values()
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// Filtered tells whether the viewer narrowed the list: the "continue
// watching" row is for the plain discover page.
func (f discoverForm) Filtered() bool { return len(f.values()) > 0 || f.Page > 1 }

// card is one film thumbnail; its JSON is what discover.js builds the next
// pages' cards from.
type card struct {
	ID       int64   `json:"id"`
	Title    string  `json:"title"`
	Year     int     `json:"year,omitempty"`
	Rating   float64 `json:"rating,omitempty"`
	Poster   string  `json:"poster"`
	Fallback string  `json:"fallback"`
	URL      string  `json:"url"`
	Watched  bool    `json:"watched"`
	// Progress is the share of the film seen, for "continue watching".
	Progress int `json:"-"`
}

func newCard(m *hypertube.Movie, watched bool) card {
	return card{ID: m.ID, Title: m.Title, Year: m.Year, Rating: m.Rating, Poster: posterURL(m),
		Fallback: movieURL(m.ID) + "/poster", URL: movieURL(m.ID), Watched: watched}
}

// RatingText is the rating as people read it: one decimal.
func (c card) RatingText() string { return strconv.FormatFloat(c.Rating, 'f', 1, 64) }

// discoverView is the discover part of the home page.
type discoverView struct {
	Form     discoverForm
	Genres   []string
	Sorts    []string
	Movies   []card
	Continue []card
	Total    int
	HasMore  bool
	NextURL  string // the next page as a page, for browsers without script
	NextJSON string // the next page for discover.js
	Notices  []string
	Error    string
}

// discover builds the discover view the request asks for. A mistake in the
// form is shown on the page (status 400), with the form as typed.
func (h *handler) discover(r *http.Request) (discoverView, int) {
	d := discoverView{Sorts: []string{hypertube.SortPopularity, hypertube.SortName, hypertube.SortYear, hypertube.SortRating}}
	form, err := parseDiscover(r.URL.Query())
	d.Genres = h.genres(r, form.Genre)
	// The genre as the library spells it, so that the filter shows it
	// chosen whatever the case of the URL.
	if i := slices.IndexFunc(d.Genres, func(g string) bool { return strings.EqualFold(g, form.Genre) }); i >= 0 {
		form.Genre = d.Genres[i]
	}
	d.Form = form
	if err != nil {
		d.Error = h.message(r, err)
		return d, http.StatusBadRequest
	}
	res, watched, err := h.discoverPage(r, form)
	if err != nil {
		status := statusOf(hypertube.ErrorCode(err))
		if status == http.StatusInternalServerError {
			h.log.Error("discover", "err", err)
		}
		d.Error = h.message(r, err)
		if status == http.StatusInternalServerError {
			d.Error = h.t(r, "error.internal")
		}
		return d, status
	}
	for _, m := range res.Movies {
		d.Movies = append(d.Movies, newCard(m, watched[m.ID]))
	}
	d.Total, d.HasMore, d.Notices = res.Total, res.HasMore, h.downNotices(r, res.Down)
	if d.HasMore {
		d.NextURL = form.pageURL("/", form.Page+1)
		d.NextJSON = form.pageURL("/discover.json", form.Page+1)
	}
	if !form.Filtered() {
		d.Continue = h.continueWatching(r)
	}
	return d, http.StatusOK
}

// discoverPage asks the library for one page and the viewer's watched films.
func (h *handler) discoverPage(r *http.Request, form discoverForm) (library.Result, map[int64]bool, error) {
	res, err := h.library.Discover(r.Context(), form.query)
	if err != nil {
		return res, nil, err
	}
	return res, h.watchedIDs(r.Context(), userOf(r).ID), nil
}

// genres lists the library's genres for the filter, keeping the chosen one
// even when no film has it any more.
func (h *handler) genres(r *http.Request, chosen string) []string {
	list := h.genreCache.get(h.now())
	if list == nil {
		if gl, ok := h.movies.(genreLister); ok {
			var err error
			if list, err = gl.FindGenres(r.Context()); err != nil {
				h.log.Warn("genres", "err", err)
			} else if len(list) > 0 {
				// An empty library is cheap to ask again, and soon filled.
				h.genreCache.put(list, h.now())
			}
		}
	}
	list = slices.Clone(list)
	if chosen != "" && !slices.ContainsFunc(list, func(g string) bool { return strings.EqualFold(g, chosen) }) {
		list = append(list, chosen)
	}
	return list
}

// genreCache keeps the list of genres for a minute: reading it means
// reading every film's genres, and it changes only when films come in.
type genreCache struct {
	mu      sync.Mutex
	list    []string
	expires time.Time
}

const genreCacheTTL = time.Minute

func (c *genreCache) get(now time.Time) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.After(c.expires) {
		return nil
	}
	return c.list
}

func (c *genreCache) put(list []string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list, c.expires = list, now.Add(genreCacheTTL)
}

// continueWatching lists the films the viewer started and left before the
// end, the latest first.
func (h *handler) continueWatching(r *http.Request) []card {
	watches, err := h.watches.ListWatched(r.Context(), userOf(r).ID, 30)
	if err != nil {
		h.log.Warn("continue watching", "err", err)
		return nil
	}
	var cards []card
	for _, w := range watches {
		if w.Duration <= 0 || w.Position < continueFrom*w.Duration || w.Position > continueUntil*w.Duration {
			continue
		}
		m, err := h.movies.FindMovieByID(r.Context(), w.MovieID)
		if err != nil {
			continue
		}
		c := newCard(m, true)
		c.Progress = int(math.Round(100 * w.Position / w.Duration))
		cards = append(cards, c)
		if len(cards) == 12 {
			break
		}
	}
	return cards
}

// discoverJSON is a page of the discover screen for the infinite scroll.
type discoverJSON struct {
	Movies  []card   `json:"movies"`
	Page    int      `json:"page"`
	HasMore bool     `json:"hasMore"`
	Next    string   `json:"next,omitempty"`
	Notices []string `json:"notices"`
}

// handleDiscoverJSON answers GET /discover.json?…&page=N with page N of the
// view the parameters describe.
func (h *handler) handleDiscoverJSON(w http.ResponseWriter, r *http.Request) {
	form, err := parseDiscover(r.URL.Query())
	if err != nil {
		h.failLibraryJSON(w, r, err)
		return
	}
	res, watched, err := h.discoverPage(r, form)
	if err != nil {
		h.failLibraryJSON(w, r, err)
		return
	}
	out := discoverJSON{Movies: []card{}, Page: form.Page, HasMore: res.HasMore, Notices: h.downNotices(r, res.Down)}
	for _, m := range res.Movies {
		out.Movies = append(out.Movies, newCard(m, watched[m.ID]))
	}
	if res.HasMore {
		out.Next = form.pageURL("/discover.json", form.Page+1)
	}
	writeLibraryJSON(w, http.StatusOK, out)
}

// failJSON answers a script's request with {"error": message}.
func (h *handler) failLibraryJSON(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(hypertube.ErrorCode(err))
	message := h.message(r, err)
	if status == http.StatusInternalServerError {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		message = h.t(r, "error.internal")
	}
	writeLibraryJSON(w, status, map[string]string{"error": message})
}

func writeLibraryJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// downNotices tells the viewer which sources are missing from the page;
// never nil, so that the JSON has a list.
func (h *handler) downNotices(r *http.Request, down []string) []string {
	notices := []string{}
	for _, name := range down {
		notices = append(notices, h.t(r, "discover.notAnswering", "source", name))
	}
	return notices
}
