package catalog_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// omdbRoutes answers like www.omdbapi.com for the key "secret-key"; OMDb
// says most things with 200 and {"Response":"False"}.
func omdbRoutes(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("apikey") == "spent":
			answer(t, w, http.StatusUnauthorized, "omdb_limit.json")
		case q.Get("apikey") != "secret-key":
			answer(t, w, http.StatusUnauthorized, "omdb_invalid_key.json")
		case q.Get("i") == "tt0137523", q.Get("t") == "Fight Club" && q.Get("y") == "1999":
			if q.Get("plot") != "full" {
				t.Errorf("plot = %q", q.Get("plot"))
			}
			answer(t, w, 200, "omdb_movie_tt0137523.json")
		case q.Get("i") == "tt0010323":
			answer(t, w, 200, "omdb_movie_na.json")
		case q.Get("s") == "alien" && q.Get("page") == "1" && q.Get("type") == "movie":
			answer(t, w, 200, "omdb_search_alien_p1.json")
		case q.Get("s") == "a":
			answer(t, w, 200, "omdb_too_many.json")
		default:
			answer(t, w, 200, "omdb_not_found.json")
		}
	}
}

func newOMDb(srv *fakeService, key string) *catalog.OMDb {
	return catalog.NewOMDb(catalog.OMDbConfig{APIKey: key, BaseURL: srv.URL + "/"})
}

func TestOMDbDetails(t *testing.T) {
	srv := newFakeService(t, omdbRoutes(t))
	p := newOMDb(srv, "secret-key")
	for _, ref := range []catalog.Ref{{IMDbID: "tt0137523"}, {ID: "tt0137523"}, {Title: "Fight Club", Year: 1999}} {
		f, err := p.Details(context.Background(), ref)
		if err != nil {
			t.Fatalf("%+v: %v", ref, err)
		}
		if f.IMDbID != "tt0137523" || f.Title != "Fight Club" || f.Year != 1999 || f.Runtime != 139 ||
			f.Rating != 8.8 || f.Votes != 2299404 || f.Director != "David Fincher" ||
			!slices.Equal(f.Genres, []string{"Drama"}) ||
			!slices.Equal(f.Writers, []string{"Chuck Palahniuk", "Jim Uhls"}) ||
			!slices.Equal(f.Cast, []string{"Brad Pitt", "Edward Norton", "Meat Loaf"}) ||
			f.PosterURL == "" || f.Summary == "" || !slices.Equal(f.Sources, []string{"omdb"}) {
			t.Errorf("%+v: %+v", ref, f)
		}
	}
}

func TestOMDbNotAvailableFields(t *testing.T) {
	srv := newFakeService(t, omdbRoutes(t))
	f, err := newOMDb(srv, "secret-key").Details(context.Background(), catalog.Ref{IMDbID: "tt0010323"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Runtime != 0 || f.Rating != 0 || f.Votes != 0 || f.Summary != "" || f.PosterURL != "" || f.Cast != nil ||
		f.Year != 1920 || !slices.Equal(f.Genres, []string{"Horror", "Mystery", "Thriller"}) {
		t.Errorf("N/A fields read as %+v", f)
	}
}

func TestOMDbSearch(t *testing.T) {
	srv := newFakeService(t, omdbRoutes(t))
	p := newOMDb(srv, "secret-key")
	page, err := p.Search(context.Background(), "alien", 1)
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalPages != 27 || len(page.Films) != 4 {
		t.Fatalf("page = %+v, want 4 films of 27 pages", page)
	}
	if f := page.Films[0]; f.IMDbID != "tt0078748" || f.Year != 1979 || f.PosterURL == "" {
		t.Errorf("Alien = %+v", f)
	}
	if f := page.Films[2]; f.PosterURL != "" {
		t.Errorf("N/A poster read as %q", f.PosterURL)
	}
	if f := page.Films[3]; f.Year != 2024 || f.PosterURL != "" {
		t.Errorf("Alien: Romulus = %+v: want year 2024 and no javascript: poster", f)
	}

	page, err = p.Search(context.Background(), "zzzz", 1)
	if err != nil || len(page.Films) != 0 {
		t.Errorf("no match: %+v, %v; want an empty page", page, err)
	}
}

func TestOMDbPopularIsEmpty(t *testing.T) {
	srv := newFakeService(t, omdbRoutes(t))
	page, err := newOMDb(srv, "secret-key").Popular(context.Background(), 1)
	if err != nil || len(page.Films) != 0 || srv.count() != 0 {
		t.Errorf("Popular = %+v, %v after %d requests", page, err, srv.count())
	}
}

func TestOMDbErrors(t *testing.T) {
	srv := newFakeService(t, omdbRoutes(t))
	ctx := context.Background()
	tests := []struct {
		name  string
		call  func() error
		code  string
		words []string
	}{
		{"invalid key", func() error { _, err := newOMDb(srv, "wrong").Search(ctx, "alien", 1); return err }, hypertube.EUNAVAILABLE, []string{"OMDb", "API key"}},
		{"limit reached", func() error {
			_, err := newOMDb(srv, "spent").Details(ctx, catalog.Ref{IMDbID: "tt0137523"})
			return err
		}, hypertube.EUNAVAILABLE, []string{"OMDb", "limiting"}},
		{"not found", func() error {
			_, err := newOMDb(srv, "secret-key").Details(ctx, catalog.Ref{IMDbID: "tt0000001"})
			return err
		}, hypertube.ENOTFOUND, []string{"OMDb"}},
		{"too many results", func() error { _, err := newOMDb(srv, "secret-key").Search(ctx, "a", 1); return err }, hypertube.EINVALID, []string{"more of the title"}},
		{"bad IMDb id", func() error {
			_, err := newOMDb(srv, "secret-key").Details(ctx, catalog.Ref{IMDbID: "1; drop"})
			return err
		}, hypertube.EINVALID, []string{"IMDb id"}},
		{"nothing to look up", func() error { _, err := newOMDb(srv, "secret-key").Details(ctx, catalog.Ref{}); return err }, hypertube.EINVALID, []string{"OMDb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, tt.call(), tt.code, tt.words...) })
	}
}
