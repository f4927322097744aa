package catalog_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

func TestProvidersFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want []string
	}{
		{nil, []string{"builtin"}},
		{map[string]string{"HYPERTUBE_TMDB_API_KEY": "k"}, []string{"builtin", "tmdb"}},
		{map[string]string{"HYPERTUBE_TMDB_TOKEN": "t", "HYPERTUBE_OMDB_API_KEY": "k"}, []string{"builtin", "tmdb", "omdb"}},
		{map[string]string{"HYPERTUBE_YTS_URL": "https://yts.example", "HYPERTUBE_ARCHIVE": "true"}, []string{"builtin", "yts", "archive"}},
		{map[string]string{"HYPERTUBE_ARCHIVE": "false"}, []string{"builtin"}},
		{map[string]string{"HYPERTUBE_YTS_URL": "yts.example"}, []string{"builtin"}},
		{map[string]string{"HYPERTUBE_ARCHIVE": "yes please"}, []string{"builtin"}},
	}
	for _, tt := range tests {
		var names []string
		for _, p := range catalog.ProvidersFromEnv(func(k string) string { return tt.env[k] }, http.DefaultClient) {
			names = append(names, p.Name())
		}
		if !slices.Equal(names, tt.want) {
			t.Errorf("env %v: providers %v, want %v", tt.env, names, tt.want)
		}
	}
}

func TestBuiltinProvider(t *testing.T) {
	ctx := context.Background()
	var p catalog.Provider = catalog.BuiltinProvider{}
	all, err := p.Popular(ctx, 1)
	if err != nil || len(all.Films) != len(catalog.Builtin()) || all.TotalPages != 1 {
		t.Fatalf("Popular = %+v, %v", all, err)
	}
	if f := all.Films[0]; len(f.Torrents) != 1 || f.Torrents[0].InfoHash == "" || f.Torrents[0].Magnet == "" || !slices.Equal(f.Sources, []string{"builtin"}) {
		t.Errorf("film = %+v", f)
	}
	if next, err := p.Popular(ctx, 2); err != nil || len(next.Films) != 0 {
		t.Errorf("page 2 = %+v, %v", next, err)
	}
	for _, q := range []string{"buck", "BIG BUCK", "bunny"} {
		found, err := p.Search(ctx, q, 1)
		if err != nil || len(found.Films) != 1 || found.Films[0].Title != "Big Buck Bunny" {
			t.Errorf("Search(%q) = %+v, %v", q, found, err)
		}
	}
	if found, err := p.Search(ctx, "no such film", 1); err != nil || len(found.Films) != 0 {
		t.Errorf("Search(no such film) = %+v, %v", found, err)
	}
	f, err := p.Details(ctx, catalog.Ref{IMDbID: "tt1254207"})
	if err != nil || f.Title != "Big Buck Bunny" {
		t.Errorf("Details = %+v, %v", f, err)
	}
	_, err = p.Details(ctx, catalog.Ref{IMDbID: "tt0000001"})
	wantError(t, err, hypertube.ENOTFOUND)
}

// TestProvidersSurviveGarbage feeds every provider answers that are not
// what any documentation promises: each call must end in a page or an
// error a person can read, never a panic.
func TestProvidersSurviveGarbage(t *testing.T) {
	bodies := []string{"", "null", "[]", "{}", `{"data":null}`, `{"data":{"movies":[null]}}`, `{"results":[null]}`,
		`{"response":{"docs":[{"title":null,"year":{}}]}}`, `{"metadata":{}, "files":[{}]}`, `{"Search":[{}],"Response":"True"}`,
		"<html>502 Bad Gateway</html>", `{"status":"ok","data":`, `{"status":"ok","data":{"movie":{"id":"7","torrents":[{"hash":null}]}}}`}
	for _, body := range bodies {
		for _, status := range []int{200, 500} {
			srv := newFakeService(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				w.Write([]byte(body))
			})
			providers := []catalog.Provider{
				catalog.NewTMDB(catalog.TMDBConfig{APIKey: "k", BaseURL: srv.URL}),
				catalog.NewOMDb(catalog.OMDbConfig{APIKey: "k", BaseURL: srv.URL}),
				catalog.NewYTS(catalog.YTSConfig{BaseURL: srv.URL}),
				catalog.NewArchive(catalog.ArchiveConfig{BaseURL: srv.URL}),
			}
			for _, p := range providers {
				ctx := context.Background()
				check := func(what string, err error) {
					if err != nil && hypertube.ErrorMessage(err) == "Something went wrong on our side." {
						t.Errorf("%s %s on %d %q: error %v is not for people", p.Name(), what, status, body, err)
					}
				}
				_, err := p.Popular(ctx, 1)
				check("Popular", err)
				_, err = p.Search(ctx, "x", 1)
				check("Search", err)
				_, err = p.Details(ctx, catalog.Ref{IMDbID: "tt0137523", ID: "7", TMDbID: 7})
				check("Details", err)
			}
		}
	}
}
