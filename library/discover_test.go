package library_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/library"
)

// popularSources are a TMDB that lists films 0–49, ten a page, and a YTS
// that lists films 0–4 under its own ids and titles, with torrents: the
// two are merged by IMDb id.
func popularSources() (tmdb, yts *fakeProvider) {
	tmdb = &fakeProvider{Source: catalog.SourceTMDB, Films: films(catalog.SourceTMDB, 0, 50)}
	yts = &fakeProvider{Source: catalog.SourceYTS, Films: films(catalog.SourceYTS, 0, 5)}
	for i := range yts.Films {
		f := &yts.Films[i]
		f.Title += " (YTS)"
		f.Torrents = []catalog.Release{{
			Name:     strings.ReplaceAll(f.Title, " ", ".") + ".1080p.BluRay.x264",
			InfoHash: fmt.Sprintf("%040x", i+1),
			Seeders:  100 * (i + 1),
			Quality:  "1080p",
			Codec:    "x264",
		}}
	}
	return tmdb, yts
}

func TestDiscoverPopular(t *testing.T) {
	ctx := context.Background()
	tmdb, yts := popularSources()
	e := newService(t, tmdb, yts)

	res, err := e.svc.Discover(ctx, library.Query{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Movies) != 10 || res.Total != 10 || !res.HasMore || len(res.Down) != 0 {
		t.Fatalf("page 1: %d films of %d, more %v, notices %q; want 10 of 10, more, no notices",
			len(res.Movies), res.Total, res.HasMore, res.Down)
	}
	// The films both sources list, with seeders, come first; the most
	// seeded first among equals of rank.
	got := titles(res.Movies)
	for i, title := range got[:5] {
		if !strings.HasPrefix(title, "Film 00") || strings.Contains(title, "YTS") {
			t.Errorf("film %d is %q; want one of Film 000–004 under TMDB's title (merged)", i+1, title)
		}
	}
	if !slices.IsSortedFunc(res.Movies, func(a, b *hypertube.Movie) int {
		return -cmpFloat(a.Popularity, b.Popularity)
	}) {
		t.Errorf("page 1 is not by popularity, highest first: %v", got)
	}
	seen := map[string]bool{}
	for _, m := range res.Movies {
		if seen[m.ImdbID] {
			t.Errorf("%s is on the page twice", m.ImdbID)
		}
		seen[m.ImdbID] = true
	}
	merged := findTitle(t, res.Movies, "Film 000")
	rels, err := e.releases.ListReleases(ctx, merged.ID)
	if err != nil || len(rels) != 1 || rels[0].Source != catalog.SourceYTS {
		t.Errorf("releases of the merged film: %+v, %v; want YTS's one", rels, err)
	}
	if merged.Rating == 0 || len(merged.Genres) == 0 {
		t.Errorf("merged film lost its details: %+v", merged)
	}
	if tmdb.Calls("popular:1") != 1 || yts.Calls("popular:1") != 1 || tmdb.Calls("popular:2") != 0 {
		t.Errorf("calls: tmdb %v, yts %v; want page 1 of each, once", tmdb.CallLog(), yts.CallLog())
	}

	// Page 2 needs the next provider page, fetched now and not before.
	res2, err := e.svc.Discover(ctx, library.Query{Page: 2, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if tmdb.Calls("popular:2") != 1 || tmdb.Calls("popular:1") != 1 {
		t.Errorf("calls after page 2: %v; want popular:1 and popular:2 once each", tmdb.CallLog())
	}
	want := []string{"Film 010", "Film 011", "Film 012", "Film 013", "Film 014", "Film 015", "Film 016", "Film 017", "Film 018", "Film 019"}
	if got := titles(res2.Movies); !slices.Equal(got, want) {
		t.Errorf("page 2 = %q; want %q", got, want)
	}
	if res2.Total != 20 || !res2.HasMore {
		t.Errorf("page 2: total %d, more %v; want 20, true", res2.Total, res2.HasMore)
	}

	// Page 1 again comes from the cache and the store: same films.
	again, err := e.svc.Discover(ctx, library.Query{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(titles(again.Movies), got) {
		t.Errorf("page 1 again = %q; want %q", titles(again.Movies), got)
	}
	if n := tmdb.Calls("") + yts.Calls(""); n != 3 {
		t.Errorf("%d provider calls in all; want 3 (no refetch of cached pages)", n)
	}
}

func TestDiscoverLastPage(t *testing.T) {
	tmdb := &fakeProvider{Source: catalog.SourceTMDB, Films: films(catalog.SourceTMDB, 0, 15)}
	e := newService(t, tmdb)
	res, err := e.svc.Discover(context.Background(), library.Query{Page: 2, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Movies) != 5 || res.Total != 15 || res.HasMore {
		t.Errorf("last page: %d films of %d, more %v; want 5 of 15 and no more", len(res.Movies), res.Total, res.HasMore)
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func findTitle(t *testing.T, ms []*hypertube.Movie, title string) *hypertube.Movie {
	t.Helper()
	for _, m := range ms {
		if m.Title == title {
			return m
		}
	}
	t.Fatalf("%q is not among %q", title, titles(ms))
	return nil
}

func TestDiscoverFiltersAndSort(t *testing.T) {
	ctx := context.Background()
	tmdb, yts := popularSources()
	e := newService(t, tmdb, yts)
	// Two provider pages in the store: 20 films.
	if _, err := e.svc.Discover(ctx, library.Query{Page: 2, PageSize: 10}); err != nil {
		t.Fatal(err)
	}
	calls := tmdb.Calls("")

	tests := []struct {
		name  string
		q     library.Query
		total int
		check func(*hypertube.Movie) bool
		order func(a, b *hypertube.Movie) bool // a may come before b
	}{
		{"genre", library.Query{Genre: "horror", PageSize: 50}, 6,
			func(m *hypertube.Movie) bool { return slices.Contains(m.Genres, "Horror") }, nil},
		{"years", library.Query{MinYear: 1995, MaxYear: 1999, PageSize: 50}, 5,
			func(m *hypertube.Movie) bool { return m.Year >= 1995 && m.Year <= 1999 }, nil},
		{"rating", library.Query{MinRating: 7, PageSize: 50}, 6,
			func(m *hypertube.Movie) bool { return m.Rating >= 7 }, nil},
		{"by year", library.Query{Sort: hypertube.SortYear, PageSize: 50}, 20, nil,
			func(a, b *hypertube.Movie) bool { return a.Year <= b.Year }},
		{"by rating desc", library.Query{Sort: hypertube.SortRating, Desc: true, PageSize: 50}, 20, nil,
			func(a, b *hypertube.Movie) bool { return a.Rating >= b.Rating }},
		{"by name desc", library.Query{Sort: hypertube.SortName, Desc: true, PageSize: 50}, 20, nil,
			func(a, b *hypertube.Movie) bool { return a.Title >= b.Title }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.svc.Discover(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != tt.total || len(res.Movies) != tt.total {
				t.Errorf("%d films (total %d); want %d: %q", len(res.Movies), res.Total, tt.total, titles(res.Movies))
			}
			for i, m := range res.Movies {
				if tt.check != nil && !tt.check(m) {
					t.Errorf("%q (%d, %v, %g) does not match", m.Title, m.Year, m.Genres, m.Rating)
				}
				if tt.order != nil && i > 0 && !tt.order(res.Movies[i-1], m) {
					t.Errorf("%q comes before %q", res.Movies[i-1].Title, m.Title)
				}
			}
		})
	}
	if tmdb.Calls("") != calls {
		t.Errorf("filters asked TMDB again: %v", tmdb.CallLog())
	}
}

func TestDiscoverBadQuery(t *testing.T) {
	tmdb, _ := popularSources()
	e := newService(t, tmdb)
	tests := []struct {
		name string
		q    library.Query
		want string
	}{
		{"sort", library.Query{Sort: "size"}, "sorted by name, year, rating or popularity"},
		{"years", library.Query{MinYear: 2000, MaxYear: 1990}, "comes after"},
		{"rating", library.Query{MinRating: 11}, "between 0 and 10"},
		{"page", library.Query{Page: -1}, "count from 1"},
		{"long", library.Query{Text: strings.Repeat("a", 201)}, "too long"},
		{"control", library.Query{Text: "a\x00b"}, "not text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Discover(context.Background(), tt.q)
			if hypertube.ErrorCode(err) != hypertube.EINVALID || !strings.Contains(hypertube.ErrorMessage(err), tt.want) {
				t.Errorf("err = %v; want EINVALID saying %q", err, tt.want)
			}
		})
	}
	if tmdb.Calls("") != 0 {
		t.Errorf("a bad query reached TMDB: %v", tmdb.CallLog())
	}
}

func TestDiscoverSearch(t *testing.T) {
	ctx := context.Background()
	sintel := func(source, id string) catalog.Film {
		return catalog.Film{IMDbID: "tt1727587", ID: id, Title: "Sintel", Year: 2010, Sources: []string{source}}
	}
	tmdb := &fakeProvider{Source: catalog.SourceTMDB, Films: []catalog.Film{
		sintel(catalog.SourceTMDB, "45745"),
		{IMDbID: "tt9000001", ID: "1", Title: "Sintel Returns", Year: 2015, Sources: []string{catalog.SourceTMDB}},
		{IMDbID: "tt9000003", ID: "2", Title: "Elephants Dream", Year: 2006, Sources: []string{catalog.SourceTMDB}},
	}}
	yts := &fakeProvider{Source: catalog.SourceYTS, Films: []catalog.Film{
		sintel(catalog.SourceYTS, "77"),
		{IMDbID: "tt9000002", ID: "78", Title: "A Sintel Story", Year: 2012, Sources: []string{catalog.SourceYTS}},
	}}
	e := newService(t, catalog.BuiltinProvider{}, tmdb, yts)

	res, err := e.svc.Discover(ctx, library.Query{Text: "  sintel "})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A Sintel Story", "Sintel", "Sintel Returns"}
	if got := titles(res.Movies); !slices.Equal(got, want) {
		t.Fatalf("search = %q; want %q (by name, from three sources)", got, want)
	}
	s := res.Movies[1]
	builtin := catalog.Builtin()[1]
	if s.ImdbID != "tt1727587" || s.InfoHash != builtin.InfoHash || s.Source != catalog.SourceTMDB {
		t.Errorf("Sintel = %s %q from %q; want the merged film with the built-in torrent %s", s.ImdbID, s.InfoHash, s.Source, builtin.InfoHash)
	}
	if tmdb.Calls("search:1") != 1 || yts.Calls("search:1") != 1 {
		t.Errorf("calls: tmdb %v, yts %v; want one search each", tmdb.CallLog(), yts.CallLog())
	}

	// The same search again is cached.
	if _, err := e.svc.Discover(ctx, library.Query{Text: "Sintel"}); err != nil {
		t.Fatal(err)
	}
	if tmdb.Calls("") != 1 || yts.Calls("") != 1 {
		t.Errorf("the same search asked again: tmdb %v, yts %v", tmdb.CallLog(), yts.CallLog())
	}
	// A search does not make its films popular: only lists of popular
	// films, seeders and downloads do.
	story, _, err := e.movies.FindMovies(ctx, hypertube.MovieFilter{ImdbID: "tt9000002"})
	if err != nil || len(story) != 1 || story[0].Popularity != 0 {
		t.Errorf("A Sintel Story, found by a search: %+v, %v; want popularity 0", story, err)
	}
}

func TestDiscoverCacheAndTTL(t *testing.T) {
	ctx := context.Background()
	tmdb, yts := popularSources()
	e := newService(t, tmdb, yts)
	for range 3 {
		if _, err := e.svc.Discover(ctx, library.Query{PageSize: 10}); err != nil {
			t.Fatal(err)
		}
	}
	if tmdb.Calls("popular:1") != 1 || yts.Calls("popular:1") != 1 {
		t.Fatalf("three discovers within the TTL asked tmdb %v, yts %v; want once", tmdb.CallLog(), yts.CallLog())
	}
	e.clock.Add(library.DefaultTTL - time.Minute)
	if _, err := e.svc.Discover(ctx, library.Query{PageSize: 10}); err != nil {
		t.Fatal(err)
	}
	if tmdb.Calls("popular:1") != 1 {
		t.Fatalf("asked again before the TTL: %v", tmdb.CallLog())
	}
	e.clock.Add(2 * time.Minute)
	if _, err := e.svc.Discover(ctx, library.Query{PageSize: 10}); err != nil {
		t.Fatal(err)
	}
	if tmdb.Calls("popular:1") != 2 || yts.Calls("popular:1") != 2 {
		t.Errorf("after the TTL: tmdb %v, yts %v; want page 1 asked again", tmdb.CallLog(), yts.CallLog())
	}
}

func TestDiscoverDegrades(t *testing.T) {
	ctx := context.Background()
	_, yts := popularSources()
	failing := &fakeProvider{Source: catalog.SourceTMDB, Err: hypertube.Errorf(hypertube.EUNAVAILABLE, "TMDB answered 503.")}
	slow := &fakeProvider{Source: catalog.SourceArchive, Films: films(catalog.SourceArchive, 100, 110), Delay: 10 * time.Second}
	e := newService(t, failing, yts, slow)

	start := time.Now()
	res, err := e.svc.Discover(ctx, library.Query{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Discover waited %v for a slow provider", d)
	}
	if want := []string{"TMDB", "Internet Archive"}; !slices.Equal(res.Down, want) {
		t.Errorf("down = %q; want %q", res.Down, want)
	}
	if len(res.Movies) != 5 || !res.HasMore {
		t.Errorf("page = %q, more %v; want YTS's 5 films and more to come", titles(res.Movies), res.HasMore)
	}

	// A provider that just failed is not asked again at once…
	res, err = e.svc.Discover(ctx, library.Query{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if failing.Calls("") != 1 || len(res.Down) != 2 {
		t.Errorf("right after a failure: calls %v, down %q; want no new call, the same sources down", failing.CallLog(), res.Down)
	}
	// …but a little later.
	e.clock.Add(time.Minute)
	if _, err := e.svc.Discover(ctx, library.Query{PageSize: 10}); err != nil {
		t.Fatal(err)
	}
	if failing.Calls("") != 2 {
		t.Errorf("a minute later: calls %v; want TMDB asked again", failing.CallLog())
	}
}

func TestDiscoverConcurrentViewersAskOnce(t *testing.T) {
	tmdb, _ := popularSources()
	tmdb.Delay = 100 * time.Millisecond
	e := newService(t, tmdb)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			res, err := e.svc.Discover(context.Background(), library.Query{PageSize: 10})
			if err == nil && len(res.Movies) != 10 {
				err = fmt.Errorf("%d films; want 10", len(res.Movies))
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := tmdb.Calls("popular:1"); n != 1 {
		t.Errorf("four viewers at once asked TMDB %d times; want once", n)
	}
}
