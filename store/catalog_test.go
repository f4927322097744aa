package store_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

const catalogSize = 10_000

var (
	catalogGenres = []string{"Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary",
		"Drama", "Family", "Fantasy", "History", "Horror", "Music", "Mystery", "Romance",
		"Science Fiction", "Thriller", "War", "Western"}
	// Mixed case, non-ASCII letters whose case only Go folds on SQLite,
	// and LIKE's special characters.
	catalogWords = []string{"Night", "day", "DEAD", "Living", "star", "Steel", "tears", "Big", "buck",
		"Bunny", "return", "The", "of", "City", "dream", "ÉTÉ", "über", "Ça", "100%", "under_score"}
	catalogSources = []string{"builtin", "yts", "tmdb", "archive"}
)

// catalogFilms returns n varied films, the same on every call: titles that
// repeat exactly or up to case (to exercise the tie-breakers), original
// titles, unknown years and ratings, tied ratings and popularities, genres
// spelt in several cases, films with and without torrents or IMDb ids.
func catalogFilms(n int) []*hypertube.Movie {
	r := rand.New(rand.NewPCG(2012, 5))
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	films := make([]*hypertube.Movie, 0, n)
	for i := range n {
		var m hypertube.Movie
		switch {
		case i > 0 && r.IntN(20) == 0:
			m.Title = films[r.IntN(i)].Title
		case i > 0 && r.IntN(20) == 0:
			m.Title = strings.ToUpper(films[r.IntN(i)].Title)
		default:
			m.Title = pick(catalogWords) + " " + pick(catalogWords)
			if r.IntN(2) == 0 {
				m.Title += " " + pick(catalogWords)
			}
		}
		if r.IntN(5) == 0 {
			m.OriginalTitle = "Le " + pick(catalogWords)
		}
		if r.IntN(30) != 0 {
			m.Year = 1920 + r.IntN(106)
		}
		if r.IntN(20) != 0 {
			m.Rating = float64(10+r.IntN(91)) / 10
		}
		m.Popularity = float64(r.IntN(500))
		for range r.IntN(4) {
			g := pick(catalogGenres)
			if r.IntN(4) == 0 {
				g = strings.ToLower(g)
			}
			m.Genres = append(m.Genres, g)
		}
		m.Source = pick(catalogSources)
		if r.IntN(5) != 0 {
			m.ImdbID = fmt.Sprintf("tt%07d", i+1)
		}
		if r.IntN(5) < 3 {
			m.InfoHash = fmt.Sprintf("%040x", i+1)
			m.Seeders = r.IntN(100)
		}
		films = append(films, &m)
	}
	return films
}

// seedCatalog stores catalogFilms(n) in one transaction and returns them
// with their ids.
func seedCatalog(tb testing.TB, svc *store.MovieService, n int) []*hypertube.Movie {
	tb.Helper()
	films := catalogFilms(n)
	if err := svc.CreateMovies(context.Background(), films); err != nil {
		tb.Fatalf("CreateMovies: %v", err)
	}
	return films
}

// catalog is a stored catalog, with the lowercase titles of its films:
// computing them in every comparison would take most of the test's time.
type catalog struct {
	films []*hypertube.Movie
	lower map[int64]string
}

func newCatalog(films []*hypertube.Movie) *catalog {
	c := &catalog{films: films, lower: make(map[int64]string, len(films))}
	for _, m := range films {
		c.lower[m.ID] = strings.ToLower(m.Title)
	}
	return c
}

// wantOrder is FindMovies written the plain way, in Go: the ids of all
// the films that match f, in order.
func (c *catalog) wantOrder(f hypertube.MovieFilter) []int64 {
	q := strings.ToLower(strings.TrimSpace(f.Query))
	genre := strings.ToLower(strings.TrimSpace(f.Genre))
	var match []*hypertube.Movie
	lower := c.lower
	for _, m := range c.films {
		ok := strings.Contains(lower[m.ID], q) || strings.Contains(strings.ToLower(m.OriginalTitle), q)
		if genre != "" {
			ok = ok && slices.ContainsFunc(m.Genres, func(g string) bool { return strings.ToLower(g) == genre })
		}
		if f.MinYear > 0 || f.MaxYear > 0 {
			ok = ok && m.Year >= max(f.MinYear, 1) && (f.MaxYear == 0 || m.Year <= f.MaxYear)
		}
		if f.MinRating > 0 || f.MaxRating > 0 {
			ok = ok && m.Rating > 0 && m.Rating >= f.MinRating && (f.MaxRating == 0 || m.Rating <= f.MaxRating)
		}
		ok = ok && (f.Source == "" || m.Source == f.Source) && (f.ImdbID == "" || m.ImdbID == strings.ToLower(f.ImdbID))
		if ok {
			match = append(match, m)
		}
	}
	byName := func(a, b *hypertube.Movie) int {
		return cmp.Or(strings.Compare(lower[a.ID], lower[b.ID]), strings.Compare(a.Title, b.Title), cmp.Compare(a.ID, b.ID))
	}
	dir := 1
	if f.Desc {
		dir = -1
	}
	slices.SortFunc(match, func(a, b *hypertube.Movie) int {
		switch f.Sort {
		case hypertube.SortYear:
			return cmp.Or(dir*cmp.Compare(a.Year, b.Year), byName(a, b))
		case hypertube.SortRating:
			return cmp.Or(dir*cmp.Compare(a.Rating, b.Rating), byName(a, b))
		case hypertube.SortPopularity:
			return cmp.Or(dir*cmp.Compare(a.Popularity, b.Popularity), byName(a, b))
		}
		return dir * byName(a, b)
	})
	ids := make([]int64, len(match))
	for i, m := range match {
		ids[i] = m.ID
	}
	return ids
}

func TestFindMoviesInALargeCatalog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		films := seedCatalog(t, svc, catalogSize)
		c := newCatalog(films)

		filters := []struct {
			name string
			f    hypertube.MovieFilter
		}{
			{"everything", hypertube.MovieFilter{}},
			{"query", hypertube.MovieFilter{Query: " NIGHT "}},
			{"query beyond ASCII", hypertube.MovieFilter{Query: "été"}},
			{"query with LIKE characters", hypertube.MovieFilter{Query: "0% u"}},
			{"query in original titles", hypertube.MovieFilter{Query: "le big"}},
			{"genre", hypertube.MovieFilter{Genre: "Science Fiction"}},
			{"genre in another case", hypertube.MovieFilter{Genre: " dRAMA"}},
			{"year range", hypertube.MovieFilter{MinYear: 1980, MaxYear: 1999}},
			{"from a year", hypertube.MovieFilter{MinYear: 2015}},
			{"until a year", hypertube.MovieFilter{MaxYear: 1940}},
			{"rating range", hypertube.MovieFilter{MinRating: 6.5, MaxRating: 8}},
			{"highest rating only", hypertube.MovieFilter{MaxRating: 2.5}},
			{"genre, years and rating", hypertube.MovieFilter{Genre: "comedy", MinYear: 1990, MaxYear: 2010, MinRating: 5}},
			{"query and genre", hypertube.MovieFilter{Query: "the", Genre: "Horror"}},
			{"source", hypertube.MovieFilter{Source: "yts"}},
			{"IMDb id", hypertube.MovieFilter{ImdbID: strings.ToUpper(films[len(films)/2].ImdbID)}},
			{"no such genre", hypertube.MovieFilter{Genre: "Opera"}},
		}
		sorts := []string{"", hypertube.SortName, hypertube.SortYear, hypertube.SortRating, hypertube.SortPopularity}
		checked := 0
		for _, ft := range filters {
			for _, sort := range sorts {
				for _, desc := range []bool{false, true} {
					f := ft.f
					f.Sort, f.Desc = sort, desc
					order := c.wantOrder(f)
					wantTotal := len(order)
					if ft.name == "everything" && wantTotal != catalogSize {
						t.Fatalf("the catalog has %d films, want %d", wantTotal, catalogSize)
					}
					// The first page, at the default size, and the last
					// ones, cut short, at the largest.
					pages := [][2]int{{0, 0}, {max(wantTotal-150, 0), 200}}
					for _, p := range pages {
						f.Offset, f.Limit = p[0], p[1]
						wantIDs := order[f.Offset:min(f.Offset+cmp.Or(f.Limit, 50), wantTotal)]
						got, total, err := svc.FindMovies(ctx, f)
						if err != nil {
							t.Fatalf("%s %+v: %v", ft.name, f, err)
						}
						gotIDs := make([]int64, len(got))
						for i, m := range got {
							gotIDs[i] = m.ID
						}
						if total != wantTotal || !slices.Equal(gotIDs, wantIDs) {
							t.Fatalf("%s, sort %q desc %v, page %v:\n got %d films of %d: %v\nwant %d films of %d: %v",
								ft.name, sort, desc, p, len(gotIDs), total, head(gotIDs), len(wantIDs), wantTotal, head(wantIDs))
						}
						checked++
					}
				}
			}
		}
		// Every filter above must select something (but the last), or its
		// comparison proves little.
		for _, ft := range filters[:len(filters)-1] {
			if total := len(c.wantOrder(ft.f)); total == 0 || (total == catalogSize && ft.name != "everything") {
				t.Errorf("filter %q selects %d films: make the catalog exercise it", ft.name, total)
			}
		}
		t.Logf("%d pages compared", checked)
	})
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 12)] }

// BenchmarkFindMovies measures the queries of the discover page on a
// catalog of 10,000 films: count and page, as the page asks for both.
func BenchmarkFindMovies(b *testing.B) {
	queries := []struct {
		name string
		f    hypertube.MovieFilter
	}{
		{"popular first page", hypertube.MovieFilter{Sort: hypertube.SortPopularity, Desc: true}},
		{"popular tenth page", hypertube.MovieFilter{Sort: hypertube.SortPopularity, Desc: true, Offset: 450}},
		{"genre and years by rating", hypertube.MovieFilter{Genre: "drama", MinYear: 1990, MaxYear: 2010, Sort: hypertube.SortRating, Desc: true}},
		{"text query by name", hypertube.MovieFilter{Query: "night"}},
		{"rating range by year", hypertube.MovieFilter{MinRating: 7, Sort: hypertube.SortYear, Desc: true}},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			url, dir := be.location(b)
			db, err := store.Open(context.Background(), url, dir)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			svc := store.NewMovieService(db)
			seedCatalog(b, svc, catalogSize)
			for _, q := range queries {
				b.Run(strings.ReplaceAll(q.name, " ", "_"), func(b *testing.B) {
					for b.Loop() {
						films, _, err := svc.FindMovies(context.Background(), q.f)
						if err != nil || len(films) == 0 {
							b.Fatalf("%d films, %v", len(films), err)
						}
					}
				})
			}
		})
	}
}
