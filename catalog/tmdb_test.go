package catalog_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// tmdbRoutes answers like api.themoviedb.org/3 for the key "secret-key".
func tmdbRoutes(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("api_key") != "secret-key" && r.Header.Get("Authorization") != "Bearer secret-token" {
			answer(t, w, http.StatusUnauthorized, "tmdb_error_401.json")
			return
		}
		switch r.URL.Path {
		case "/3/movie/popular":
			answer(t, w, 200, "tmdb_popular_page"+q.Get("page")+".json")
		case "/3/search/movie":
			if q.Get("query") != "alien" {
				t.Errorf("query = %q", q.Get("query"))
			}
			answer(t, w, 200, "tmdb_search_alien.json")
		case "/3/movie/550":
			if got := q.Get("append_to_response"); !strings.Contains(got, "credits") || !strings.Contains(got, "external_ids") {
				t.Errorf("append_to_response = %q", got)
			}
			answer(t, w, 200, "tmdb_movie_550.json")
		case "/3/find/tt0137523":
			if q.Get("external_source") != "imdb_id" {
				t.Errorf("external_source = %q", q.Get("external_source"))
			}
			answer(t, w, 200, "tmdb_find_tt0137523.json")
		case "/3/find/tt9999999":
			answer(t, w, 200, "tmdb_find_empty.json")
		case "/3/movie/500":
			answer(t, w, 500, "tmdb_error_500.json")
		default:
			answer(t, w, 404, "tmdb_error_404.json")
		}
	}
}

func newTMDB(srv *fakeService) *catalog.TMDB {
	return catalog.NewTMDB(catalog.TMDBConfig{APIKey: "secret-key", BaseURL: srv.URL + "/3", ImageBaseURL: "https://img.example/w342/"})
}

func TestTMDBPopularPages(t *testing.T) {
	srv := newFakeService(t, tmdbRoutes(t))
	p := newTMDB(srv)
	ctx := context.Background()

	page, err := p.Popular(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.Page != 1 || page.TotalPages != 500 || len(page.Films) != 3 {
		t.Fatalf("page %d of %d with %d films, want 1 of 500 (TMDB's cap) with 3", page.Page, page.TotalPages, len(page.Films))
	}
	fc := page.Films[0]
	if fc.TMDbID != 550 || fc.Title != "Fight Club" || fc.Year != 1999 || fc.Rating != 8.438 || fc.Votes != 29815 ||
		fc.Popularity != 73.433 || fc.PosterURL != "https://img.example/w342/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg" ||
		!slices.Equal(fc.Genres, []string{"Drama", "Thriller", "Comedy"}) || !slices.Equal(fc.Sources, []string{"tmdb"}) {
		t.Errorf("Fight Club = %+v", fc)
	}
	if a := page.Films[1]; a.Title != "Amélie" || a.OriginalTitle != "Le Fabuleux Destin d'Amélie Poulain" || a.Year != 2001 {
		t.Errorf("Amélie = %+v", a)
	}
	// Missing or null fields leave zero values, an unknown genre id is dropped.
	if w := page.Films[2]; w.Year != 0 || w.PosterURL != "" || len(w.Genres) != 0 || w.Summary != "" {
		t.Errorf("The Wild Robot = %+v", w)
	}

	page, err = p.Popular(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if page.Page != 2 || len(page.Films) != 1 || page.Films[0].Title != "The Matrix" {
		t.Errorf("page 2 = %+v", page)
	}
	if got := srv.last().URL.Query().Get("page"); got != "2" {
		t.Errorf("asked for page %q", got)
	}
}

func TestTMDBSearch(t *testing.T) {
	srv := newFakeService(t, tmdbRoutes(t))
	page, err := newTMDB(srv).Search(context.Background(), "  alien ", 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalPages != 7 || len(page.Films) != 2 || page.Films[1].Title != "Aliens" || page.Films[1].Year != 1986 {
		t.Errorf("search = %+v", page)
	}
}

func TestTMDBBearerToken(t *testing.T) {
	srv := newFakeService(t, tmdbRoutes(t))
	p := catalog.NewTMDB(catalog.TMDBConfig{Token: "secret-token", BaseURL: srv.URL + "/3"})
	if _, err := p.Popular(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if srv.last().URL.Query().Has("api_key") {
		t.Error("api_key sent along with the bearer token")
	}
}

func TestTMDBDetails(t *testing.T) {
	srv := newFakeService(t, tmdbRoutes(t))
	p := newTMDB(srv)
	for _, ref := range []catalog.Ref{{TMDbID: 550}, {ID: "550"}, {IMDbID: "tt0137523"}} {
		f, err := p.Details(context.Background(), ref)
		if err != nil {
			t.Fatalf("%+v: %v", ref, err)
		}
		if f.IMDbID != "tt0137523" || f.Runtime != 139 || f.Director != "David Fincher" ||
			!slices.Equal(f.Producers, []string{"Ross Grayson Bell", "Ceán Chaffin", "Art Linson"}) ||
			!slices.Equal(f.Writers, []string{"Jim Uhls"}) ||
			!slices.Equal(f.Cast, []string{"Edward Norton", "Brad Pitt", "Helena Bonham Carter"}) ||
			!slices.Equal(f.AlternativeTitles, []string{"Clube da Luta", "El club de la lucha"}) ||
			!slices.Equal(f.Genres, []string{"Drama", "Thriller", "Comedy"}) {
			t.Errorf("%+v: details = %+v", ref, f)
		}
	}
}

func TestTMDBErrors(t *testing.T) {
	srv := newFakeService(t, tmdbRoutes(t))
	good := newTMDB(srv)
	badKey := catalog.NewTMDB(catalog.TMDBConfig{APIKey: "wrong", BaseURL: srv.URL + "/3"})
	garbage := newFakeService(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>maintenance</html>")) })
	down := newFakeService(t, nil)
	down.Close()
	ctx := context.Background()
	tests := []struct {
		name  string
		call  func() error
		code  string
		words []string
	}{
		{"bad key", func() error { _, err := badKey.Popular(ctx, 1); return err }, hypertube.EUNAVAILABLE, []string{"TMDB", "API key"}},
		{"unknown film", func() error { _, err := good.Details(ctx, catalog.Ref{TMDbID: 1}); return err }, hypertube.ENOTFOUND, []string{"TMDB"}},
		{"unknown IMDb id", func() error { _, err := good.Details(ctx, catalog.Ref{IMDbID: "tt9999999"}); return err }, hypertube.ENOTFOUND, []string{"tt9999999"}},
		{"server error", func() error { _, err := good.Details(ctx, catalog.Ref{TMDbID: 500}); return err }, hypertube.EUNAVAILABLE, []string{"unavailable"}},
		{"not JSON", func() error {
			_, err := catalog.NewTMDB(catalog.TMDBConfig{APIKey: "k", BaseURL: garbage.URL}).Popular(ctx, 1)
			return err
		}, hypertube.EUNAVAILABLE, []string{"could not read"}},
		{"down", func() error {
			_, err := catalog.NewTMDB(catalog.TMDBConfig{APIKey: "k", BaseURL: down.URL}).Popular(ctx, 1)
			return err
		}, hypertube.EUNAVAILABLE, []string{"cannot be reached"}},
		{"empty query", func() error { _, err := good.Search(ctx, "   ", 1); return err }, hypertube.EINVALID, []string{"title"}},
		{"long query", func() error { _, err := good.Search(ctx, strings.Repeat("a", 201), 1); return err }, hypertube.EINVALID, []string{"too long"}},
		{"page 0", func() error { _, err := good.Popular(ctx, 0); return err }, hypertube.EINVALID, []string{"Page 0"}},
		{"bad IMDb id", func() error { _, err := good.Details(ctx, catalog.Ref{IMDbID: "0137523"}); return err }, hypertube.EINVALID, []string{"IMDb id"}},
		{"no id", func() error { _, err := good.Details(ctx, catalog.Ref{Title: "Fight Club"}); return err }, hypertube.EINVALID, []string{"id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.call(), tt.code, tt.words...) })
	}
}

func TestTMDBRateLimit(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		limited    int // how many answers are 429 before a good one
		wantErr    bool
		requests   int
	}{
		{"waits once then succeeds", "1", 1, false, 2},
		{"reports a second 429", "1", 99, true, 2},
		{"reports a long wait at once", "3600", 99, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *fakeService
			srv = newFakeService(t, func(w http.ResponseWriter, r *http.Request) {
				if srv.count() <= tt.limited {
					w.Header().Set("Retry-After", tt.retryAfter)
					answer(t, w, http.StatusTooManyRequests, "tmdb_error_429.json")
					return
				}
				answer(t, w, 200, "tmdb_popular_page1.json")
			})
			start := time.Now()
			page, err := newTMDB(srv).Popular(context.Background(), 1)
			if tt.wantErr {
				wantError(t, err, hypertube.EUNAVAILABLE, "TMDB", "limiting")
			} else if err != nil || len(page.Films) != 3 {
				t.Errorf("Popular = %d films, %v", len(page.Films), err)
			}
			if srv.count() != tt.requests {
				t.Errorf("%d requests, want %d", srv.count(), tt.requests)
			}
			if tt.retryAfter == "1" && time.Since(start) < time.Second {
				t.Errorf("retried after %v, before Retry-After", time.Since(start))
			}
		})
	}
}

func TestTMDBTimeout(t *testing.T) {
	srv := newFakeService(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	p := catalog.NewTMDB(catalog.TMDBConfig{APIKey: "k", BaseURL: srv.URL, Client: &http.Client{Timeout: 200 * time.Millisecond}})
	_, err := p.Popular(context.Background(), 1)
	wantError(t, err, hypertube.ETIMEOUT, "TMDB", "in time")
}
