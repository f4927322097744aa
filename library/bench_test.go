package library_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/library"
)

// BenchmarkDiscover measures a discover page that the cache and the store
// answer, over a library of 10,000 films: what most page views cost.
func BenchmarkDiscover(b *testing.B) {
	ctx := context.Background()
	tmdb, yts := popularSources()
	e := newService(b, tmdb, yts)
	genres := []string{"Drama", "Comedy", "Horror", "Sci-Fi", "Animation"}
	movies := make([]*hypertube.Movie, 10000)
	for i := range movies {
		movies[i] = &hypertube.Movie{
			Title:      fmt.Sprintf("Seeded film %05d", i),
			Year:       1950 + i%70,
			ImdbID:     fmt.Sprintf("tt%08d", 20000000+i),
			Rating:     float64(i%100) / 10,
			Popularity: float64(i % 997),
			Genres:     []string{genres[i%len(genres)], genres[(i/7)%len(genres)]},
			Source:     "seed",
		}
	}
	if err := e.movies.CreateMovies(ctx, movies); err != nil {
		b.Fatal(err)
	}
	queries := map[string]library.Query{
		"popular":     {},
		"page5":       {Page: 5},
		"genre+years": {Genre: "horror", MinYear: 1980, MaxYear: 1999},
		"rating,name": {MinRating: 5, Sort: hypertube.SortName},
		"search":      {Text: "film 00"},
	}
	for name, q := range queries {
		// Warm the cache: the providers are asked here, not in the loop.
		if _, err := e.svc.Discover(ctx, q); err != nil {
			b.Fatal(err)
		}
		calls := tmdb.Calls("") + yts.Calls("")
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				res, err := e.svc.Discover(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Movies) == 0 {
					b.Fatal("empty page")
				}
			}
			if n := tmdb.Calls("") + yts.Calls(""); n != calls {
				b.Fatalf("%d provider calls during the benchmark; want none", n-calls)
			}
		})
	}
}
