package catalog_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

func ytsRoutes(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.URL.Path {
		case "/api/v2/list_movies.json":
			switch {
			case q.Get("page") == "999":
				answer(t, w, 200, "yts_error.json")
			case q.Get("query_term") == "nothing":
				answer(t, w, 200, "yts_list_empty.json")
			default:
				answer(t, w, 200, "yts_list_page1.json")
			}
		case "/api/v2/movie_details.json":
			if q.Get("imdb_id") == "tt0137523" {
				answer(t, w, 200, "yts_details_tt0137523.json")
			} else {
				answer(t, w, 200, "yts_details_unknown.json")
			}
		default:
			http.NotFound(w, r)
		}
	}
}

func TestYTSList(t *testing.T) {
	srv := newFakeService(t, ytsRoutes(t))
	// The site's root and its API root both work as the base.
	for _, base := range []string{srv.URL, srv.URL + "/api/v2/"} {
		p := catalog.NewYTS(catalog.YTSConfig{BaseURL: base, Limit: 2})
		page, err := p.Popular(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		q := srv.last().URL.Query()
		if q.Get("sort_by") != "download_count" || q.Get("limit") != "2" || q.Get("page") != "1" {
			t.Errorf("asked %v", q)
		}
		if page.TotalPages != 31 || len(page.Films) != 2 {
			t.Fatalf("page = %+v, want 2 films of 31 pages", page)
		}
		fc := page.Films[0]
		if fc.IMDbID != "tt0137523" || fc.Title != "Fight Club" || fc.Year != 1999 || fc.Rating != 8.8 || fc.Runtime != 139 ||
			fc.Popularity != 312+870 || !slices.Equal(fc.Genres, []string{"Action", "Crime", "Drama"}) ||
			fc.PosterURL != "https://yts.mx/assets/images/movies/fight_club_1999/large-cover.jpg" {
			t.Errorf("Fight Club = %+v", fc)
		}
		if len(fc.Torrents) != 2 {
			t.Fatalf("%d torrents, want 2 (the one with a bad hash dropped)", len(fc.Torrents))
		}
		r := fc.Torrents[1]
		if r.InfoHash != "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c" || r.Quality != "1080p" || r.Codec != "x264" ||
			r.Seeders != 870 || r.Peers != 96 || r.Size != 2308544348 || r.Source != "yts" ||
			r.Name != "Fight Club (1999) [1080p] [BluRay] [x264] [YTS.MX]" {
			t.Errorf("1080p torrent = %+v", r)
		}
		checkMagnet(t, r.Magnet, r.InfoHash, 8)
		if u := page.Films[1]; u.Year != 2021 || u.IMDbID != "" || len(u.Torrents) != 0 {
			t.Errorf("film with missing fields = %+v", u)
		}
	}
}

func TestYTSSearch(t *testing.T) {
	srv := newFakeService(t, ytsRoutes(t))
	p := catalog.NewYTS(catalog.YTSConfig{BaseURL: srv.URL})
	page, err := p.Search(context.Background(), "nothing", 1)
	if err != nil || len(page.Films) != 0 || page.TotalPages != 0 {
		t.Errorf("Search = %+v, %v; want an empty page", page, err)
	}
	if q := srv.last().URL.Query(); q.Get("query_term") != "nothing" {
		t.Errorf("asked %v", q)
	}
}

func TestYTSDetails(t *testing.T) {
	srv := newFakeService(t, ytsRoutes(t))
	p := catalog.NewYTS(catalog.YTSConfig{BaseURL: srv.URL})
	f, err := p.Details(context.Background(), catalog.Ref{IMDbID: "tt0137523"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Cast, []string{"Brad Pitt", "Edward Norton"}) || len(f.Torrents) != 2 || f.Torrents[1].Codec != "x265" || f.Torrents[1].Quality != "2160p" {
		t.Errorf("details = %+v", f)
	}
	if q := srv.last().URL.Query(); q.Get("with_cast") != "true" {
		t.Errorf("asked %v", q)
	}
	_, err = p.Details(context.Background(), catalog.Ref{IMDbID: "tt0000001"})
	wantError(t, err, hypertube.ENOTFOUND, "YTS")
}

func TestYTSErrors(t *testing.T) {
	srv := newFakeService(t, ytsRoutes(t))
	p := catalog.NewYTS(catalog.YTSConfig{BaseURL: srv.URL})
	_, err := p.Popular(context.Background(), 999)
	wantError(t, err, hypertube.EUNAVAILABLE, "YTS", "unavailable")

	missing := catalog.NewYTS(catalog.YTSConfig{BaseURL: srv.URL + "/elsewhere"})
	_, err = missing.Popular(context.Background(), 1)
	wantError(t, err, hypertube.ENOTFOUND, "YTS")

	_, err = p.Details(context.Background(), catalog.Ref{ID: "abc"})
	wantError(t, err, hypertube.EINVALID, "YTS film id")
}
