package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/internal/catalogtest"
)

var (
	cardTitle   = regexp.MustCompile(`<span class="card-title">([^<]*)</span>`)
	cardLink    = regexp.MustCompile(`<li class="card( is-watched)?">\s*<a href="/movies/(\d+)">`)
	nextPageURL = regexp.MustCompile(`class="button more-link" href="([^"]*)"`)
	nextJSONURL = regexp.MustCompile(`data-next="([^"]*)"`)
)

// gridOf returns the titles of the discover grid, the continue-watching
// row left out.
func gridOf(body string) []string {
	i := strings.Index(body, `id="discover-grid"`)
	if i < 0 {
		return nil
	}
	var out []string
	for _, m := range cardTitle.FindAllStringSubmatch(body[i:], -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

type discoverPage struct {
	Movies []struct {
		ID       int64   `json:"id"`
		Title    string  `json:"title"`
		Year     int     `json:"year"`
		Rating   float64 `json:"rating"`
		Poster   string  `json:"poster"`
		Fallback string  `json:"fallback"`
		URL      string  `json:"url"`
		Watched  bool    `json:"watched"`
	} `json:"movies"`
	Page    int      `json:"page"`
	HasMore bool     `json:"hasMore"`
	Next    string   `json:"next"`
	Notices []string `json:"notices"`
	Error   string   `json:"error"`
}

func (s *libSite) discoverJSON(t *testing.T, path string) (int, discoverPage) {
	t.Helper()
	resp, body := s.get(t, path)
	var p discoverPage
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("GET %s: %v: %.200s", path, err, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return resp.StatusCode, p
}

func TestDiscoverSortsAndFiltersFromTheURL(t *testing.T) {
	s := newLibSite(t)
	films := seedFilms(t, s.store, 200)
	byTitle := map[string]*hypertube.Movie{}
	for _, f := range films {
		byTitle[f.Title] = f
	}
	tests := []struct {
		name  string
		query string
		check func(m *hypertube.Movie) bool
		order func(a, b *hypertube.Movie) bool // a comes before or with b
	}{
		{"popular by default", "", func(*hypertube.Movie) bool { return true },
			func(a, b *hypertube.Movie) bool { return a.Popularity >= b.Popularity }},
		{"genre and years, oldest first", "genre=Horror&year_min=1980&year_max=1999&sort=year&order=asc",
			func(m *hypertube.Movie) bool { return m.Genres[0] == "Horror" && m.Year >= 1980 && m.Year <= 1999 },
			func(a, b *hypertube.Movie) bool { return a.Year <= b.Year }},
		{"rating range, best first", "rating_min=5&rating_max=7.5&sort=rating",
			func(m *hypertube.Movie) bool { return m.Rating >= 5 && m.Rating <= 7.5 },
			func(a, b *hypertube.Movie) bool { return a.Rating >= b.Rating }},
		{"search by name, Z to A", "q=film+001&sort=name&order=desc",
			func(m *hypertube.Movie) bool { return strings.Contains(m.Title, "Film 001") },
			func(a, b *hypertube.Movie) bool { return a.Title >= b.Title }},
		{"newest first", "sort=year",
			func(*hypertube.Movie) bool { return true },
			func(a, b *hypertube.Movie) bool { return a.Year >= b.Year }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.get(t, "/?"+tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %v", resp.StatusCode, errorsIn(body))
			}
			titles := gridOf(body)
			if len(titles) == 0 {
				t.Fatal("empty grid")
			}
			for i, title := range titles {
				m := byTitle[title]
				if m == nil || !tt.check(m) {
					t.Errorf("%q does not match the filters", title)
					continue
				}
				if i > 0 && !tt.order(byTitle[titles[i-1]], m) {
					t.Errorf("%q comes after %q: wrong order", title, titles[i-1])
				}
			}
			// The next page keeps the view, for the script and for the link.
			if m := nextPageURL.FindStringSubmatch(body); m != nil {
				next := html.UnescapeString(m[1])
				for _, kv := range strings.Split(tt.query, "&") {
					if kv != "" && !strings.Contains(next, kv) {
						t.Errorf("next page %q lost %q", next, kv)
					}
				}
				if !strings.Contains(next, "page=2") {
					t.Errorf("next page %q", next)
				}
			}
		})
	}

	// The form shows what the URL asks for, so a shared link looks the same.
	_, body := s.get(t, "/?genre=Horror&year_min=1980&year_max=1999&sort=year&order=asc&rating_min=2.5&q=film")
	for _, want := range []string{
		`<option value="Horror" selected>`, `<option value="year" selected>`, `<option value="asc" selected>`,
		`name="year_min" type="number" inputmode="numeric" min="1" max="9999" placeholder="From" value="1980"`,
		`value="1999"`, `value="2.5"`, `name="q" type="search" value="film"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("form does not show %s", want)
		}
	}
}

func TestDiscoverPagesAsJSON(t *testing.T) {
	s := newLibSite(t)
	seedFilms(t, s.store, 60)
	_, body := s.get(t, "/?genre=Drama")
	first := gridOf(body)
	if len(first) != 12 {
		t.Fatalf("first page of dramas has %d films, want all 12", len(first))
	}
	if strings.Contains(body, `id="discover-more"`) {
		t.Errorf("a view that fits one page offers more")
	}

	_, body = s.get(t, "/")
	page1 := gridOf(body)
	if len(page1) != 24 {
		t.Fatalf("first page has %d films, want 24", len(page1))
	}
	m := nextJSONURL.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next page for the script")
	}
	seen := map[string]bool{}
	for _, title := range page1 {
		seen[title] = true
	}
	next := html.UnescapeString(m[1])
	pages := 1
	for next != "" {
		status, p := s.discoverJSON(t, next)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", next, status, p.Error)
		}
		pages++
		if p.Page != pages {
			t.Errorf("GET %s: page %d, want %d", next, p.Page, pages)
		}
		for _, f := range p.Movies {
			if seen[f.Title] {
				t.Errorf("%q on two pages", f.Title)
			}
			seen[f.Title] = true
			if f.URL != movieURL(f.ID) || f.Fallback != movieURL(f.ID)+"/poster" || f.Poster == "" || f.Year == 0 {
				t.Errorf("card %+v incomplete", f)
			}
		}
		if p.HasMore != (p.Next != "") {
			t.Errorf("hasMore %v with next %q", p.HasMore, p.Next)
		}
		next = p.Next
		if pages > 5 {
			t.Fatal("pages never end")
		}
	}
	if len(seen) != 60 || pages != 3 {
		t.Errorf("saw %d films over %d pages, want 60 over 3", len(seen), pages)
	}

	// Without script, the link loads the next page as a page.
	_, body = s.get(t, "/?page=3")
	if got := gridOf(body); len(got) != 12 || strings.Contains(body, "more-link") {
		t.Errorf("page 3: %d films (more link: %v)", len(got), strings.Contains(body, "more-link"))
	}
}

func TestDiscoverRefusesBadFilters(t *testing.T) {
	s := newLibSite(t)
	seedFilms(t, s.store, 5)
	for _, q := range []string{"year_min=abc", "year_min=2000&year_max=1990", "rating_max=11", "sort=price",
		"order=up", "page=0", "page=x", "q=" + strings.Repeat("a", 201)} {
		resp, body := s.get(t, "/?"+q)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="form-error discover-error"`) {
			t.Errorf("/?%s: status %d, errors %v", q, resp.StatusCode, errorsIn(body))
		}
		status, p := s.discoverJSON(t, "/discover.json?"+q)
		if status != http.StatusBadRequest || p.Error == "" {
			t.Errorf("/discover.json?%s: %d %+v", q, status, p)
		}
	}
	// The message says what is wrong, in the visitor's words.
	_, body := s.get(t, "/?year_min=abc")
	if !strings.Contains(body, "A year is a number between 1 and 9999.") || !strings.Contains(body, `value="abc"`) {
		t.Errorf("bad year: %v", errorsIn(body))
	}
}

func TestDiscoverSurvivesAFailingProvider(t *testing.T) {
	good := &catalogtest.Provider{DetailsFromFilms: true, Source: catalog.SourceBuiltin, Films: []catalog.Film{
		{Title: "Sintel", Year: 2010, IMDbID: "tt1727587", Rating: 7.4, Popularity: 50,
			PosterURL: "https://img.example/sintel.jpg", Genres: []string{"Animation"}},
		{Title: "<b>Bold</b> & <script>alert(1)</script>", Year: 2011, IMDbID: "tt1111111", Popularity: 40},
	}}
	broken := &catalogtest.Provider{DetailsFromFilms: true, Source: catalog.SourceTMDB, Err: hypertube.Errorf(hypertube.EUNAVAILABLE, "TMDB is down.")}
	s := newLibSite(t, good, broken)
	resp, body := s.get(t, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !slices.Contains(gridOf(body), "Sintel") {
		t.Errorf("grid %v lacks the working source's film", gridOf(body))
	}
	if !strings.Contains(body, `<p class="notice" role="status">TMDB is not answering right now`) {
		t.Errorf("no notice about TMDB")
	}
	if !strings.Contains(body, `src="https://img.example/sintel.jpg"`) || !strings.Contains(body, `★ 7.4`) {
		t.Errorf("card lacks the poster or the rating")
	}
	// Provider text is inert.
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<b>Bold") ||
		!strings.Contains(body, "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("provider markup not escaped")
	}
	status, p := s.discoverJSON(t, "/discover.json?page=1")
	if status != http.StatusOK || len(p.Notices) != 1 || !strings.HasPrefix(p.Notices[0], "TMDB") {
		t.Errorf("JSON notices = %q (status %d)", p.Notices, status)
	}
	// In the viewer's language.
	s.me.post(t, "/language", url.Values{"lang": {"fr"}})
	if _, p := s.discoverJSON(t, "/discover.json?page=1"); len(p.Notices) != 1 || p.Notices[0] != "TMDB ne répond pas en ce moment ; voici les résultats des autres sources." {
		t.Errorf("JSON notices in French = %q", p.Notices)
	}
}

func TestDiscoverMarksWatchedAndContinueWatching(t *testing.T) {
	s := newLibSite(t)
	films := seedFilms(t, s.store, 10)
	me, err := s.users.FindUserByLogin(t.Context(), "tester")
	must(t, err)
	other := createUser(t, s.site, "other")
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	record := func(u *hypertube.User, m *hypertube.Movie, pos, dur float64, ago time.Duration) {
		t.Helper()
		must(t, s.watches.RecordWatch(t.Context(), u.ID, m.ID, pos, dur, at.Add(-ago)))
	}
	record(me, films[0], 50, 100, 3*time.Hour)    // half-way: watched, to continue
	record(me, films[1], 99, 100, 2*time.Hour)    // finished: watched, nothing to continue
	record(me, films[2], 2, 100, time.Hour)       // opened: neither
	record(me, films[3], 30, 100, 0)              // the latest: first to continue
	record(other, films[4], 50, 100, time.Minute) // someone else's

	_, body := s.get(t, "/")
	watched := map[string]bool{}
	i := strings.Index(body, `id="discover-grid"`)
	for _, m := range cardLink.FindAllStringSubmatch(body[i:], -1) {
		watched[m[2]] = m[1] != ""
	}
	for k, f := range films {
		want := k == 0 || k == 1 || k == 3
		if watched[itoa(f.ID)] != want {
			t.Errorf("%s marked watched = %v, want %v", f.Title, watched[itoa(f.ID)], want)
		}
	}
	if !strings.Contains(body, `<span class="card-badge">Watched</span>`) {
		t.Errorf("no watched badge")
	}

	row := body[strings.Index(body, `class="continue"`):i]
	if got := cardTitle.FindAllStringSubmatch(row, -1); len(got) != 2 || got[0][1] != films[3].Title || got[1][1] != films[0].Title {
		t.Errorf("continue watching = %v, want %s then %s", got, films[3].Title, films[0].Title)
	}
	if !strings.Contains(row, `value="50"`) || !strings.Contains(row, "50% watched") {
		t.Errorf("continue row does not show how far: %s", row)
	}
	// A filtered view is about the filters, not about resuming.
	if _, body := s.get(t, "/?genre=Drama"); strings.Contains(body, `class="continue"`) {
		t.Errorf("continue row on a filtered view")
	}
	_, p := s.discoverJSON(t, "/discover.json?sort=name")
	for _, m := range p.Movies {
		if m.Watched != (m.ID == films[0].ID || m.ID == films[1].ID || m.ID == films[3].ID) {
			t.Errorf("JSON: %s watched = %v", m.Title, m.Watched)
		}
	}
}

func TestDiscoverAddFormStaysReachable(t *testing.T) {
	s := newLibSite(t)
	_, body := s.get(t, "/")
	if !strings.Contains(body, `<form class="add-form" method="post" action="/movies"`) {
		t.Errorf("the add-film form is gone from the home page")
	}
	if !strings.Contains(body, "No films yet") {
		t.Errorf("empty library does not say so")
	}
}
