package catalog_test

import (
	"slices"
	"testing"

	"github.com/hypertube/hypertube/catalog"
)

func TestTitleKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Amélie", "Amelie"},
		{"WALL·E", "Wall-E"},
		{"WALL-E", "WALL E"},
		{"Ocean's Eleven", "Oceans.Eleven"},
		{"The Matrix", "Matrix"},
		{"Le Fabuleux Destin d'Amélie Poulain", "Fabuleux.Destin.d.Amelie.Poulain"},
		{"Rocky II", "Rocky 2"},
		{"Fast & Furious", "Fast and Furious"},
		{"Mission: Impossible", "Mission Impossible"},
		{"L.A. Confidential", "LA Confidential"},
		{"Les Misérables", "Miserables"},
		{"Æon Flux", "Aeon Flux"},
		{"Léon: The Professional", "Leon The Professional"},
	}
	for _, tt := range tests {
		if a, b := catalog.TitleKey(tt.a), catalog.TitleKey(tt.b); a != b || a == "" {
			t.Errorf("TitleKey(%q) = %q, TitleKey(%q) = %q; want equal", tt.a, a, tt.b, b)
		}
	}
	different := []struct{ a, b string }{
		{"Alien", "Aliens"},
		{"Toy Story", "Toy Story 2"},
		{"Die Hard", "Hard"},
		{"Se7en", "Seven"},
		{"The Thing", "Things"},
	}
	for _, tt := range different {
		if a, b := catalog.TitleKey(tt.a), catalog.TitleKey(tt.b); a == b {
			t.Errorf("TitleKey(%q) = TitleKey(%q) = %q; want different", tt.a, tt.b, a)
		}
	}
}

func TestMerge(t *testing.T) {
	omdb := catalog.Film{IMDbID: "tt0137523", Title: "Fight Club", Year: 1999, Rating: 8.8, Votes: 2299404, Director: "David Fincher",
		Summary: "OMDb's plot", Sources: []string{"omdb"}}
	tmdb := catalog.Film{IMDbID: "tt0137523", TMDbID: 550, Title: "Fight Club", Year: 1999, Rating: 8.4, Popularity: 73,
		Summary: "TMDB's overview", PosterURL: "https://image.tmdb.org/t/p/w342/a.jpg", Producers: []string{"Art Linson"},
		Genres: []string{"Drama"}, Sources: []string{"tmdb"}}
	yts := catalog.Film{IMDbID: "tt0137523", Title: "Fight Club", Year: 1999, Rating: 8.7, Popularity: 1182,
		Summary: "YTS's summary", Genres: []string{"Action", "Drama"}, Sources: []string{"yts"},
		Torrents: []catalog.Release{
			{InfoHash: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", Quality: "1080p", Seeders: 870},
			{InfoHash: "9ae7a0a3c3b9f6c1d5f84f8d4c1c0e4a3b2a1f0e", Quality: "720p", Seeders: 312},
		}}
	ytsAgain := catalog.Film{IMDbID: "tt0137523", Title: "Fight Club", Year: 1999, Sources: []string{"yts"},
		Torrents: []catalog.Release{{InfoHash: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c", Seeders: 901, Size: 2308544348}}}
	amelieTMDB := catalog.Film{TMDbID: 194, Title: "Amélie", OriginalTitle: "Le Fabuleux Destin d'Amélie Poulain", Year: 2001, Rating: 7.9, Sources: []string{"tmdb"}}
	amelieArchive := catalog.Film{Title: "Le fabuleux destin d'Amelie Poulain", Year: 2001, Sources: []string{"archive"},
		Torrents: []catalog.Release{{TorrentURL: "https://archive.org/download/x/x_archive.torrent"}}}
	amelieYTS := catalog.Film{IMDbID: "tt0211915", Title: "Amelie", Year: 2001, Rating: 8.3, Sources: []string{"yts"}}
	nightBuiltin := catalog.Film{IMDbID: "tt0063350", Title: "Night of the Living Dead", Year: 1968, Sources: []string{"builtin"},
		Torrents: []catalog.Release{{InfoHash: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Magnet: "magnet:?xt=urn:btih:a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"}}}
	nightArchive := catalog.Film{Title: "Night of the Living Dead", Year: 1968, Popularity: 3418227, Summary: "Archive's", Sources: []string{"archive"},
		Torrents: []catalog.Release{{InfoHash: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", TorrentURL: "https://archive.org/download/n/n_archive.torrent", Size: 4743528624}}}
	nightRemake := catalog.Film{IMDbID: "tt0100258", Title: "Night of the Living Dead", Year: 1990, Sources: []string{"tmdb"}}
	otherSameTitleYear := catalog.Film{IMDbID: "tt7654321", Title: "Fight Club", Year: 1999, Sources: []string{"omdb"}}

	tests := []struct {
		name  string
		lists [][]catalog.Film
		check func(t *testing.T, got []catalog.Film)
	}{
		{"same IMDb id from four sources", [][]catalog.Film{{yts}, {tmdb}, {omdb}, {ytsAgain}}, func(t *testing.T, got []catalog.Film) {
			if len(got) != 1 {
				t.Fatalf("%d films, want 1", len(got))
			}
			f := got[0]
			if f.Summary != "OMDb's plot" || f.Rating != 8.8 || f.Votes != 2299404 || f.Director != "David Fincher" {
				t.Errorf("OMDb did not win: %+v", f)
			}
			if f.TMDbID != 550 || f.PosterURL == "" || !slices.Equal(f.Genres, []string{"Drama"}) || !slices.Equal(f.Producers, []string{"Art Linson"}) {
				t.Errorf("TMDB did not fill the gaps: %+v", f)
			}
			if f.Popularity != 1182 {
				t.Errorf("Popularity = %v, want the highest, 1182", f.Popularity)
			}
			if !slices.Equal(f.Sources, []string{"omdb", "tmdb", "yts"}) {
				t.Errorf("Sources = %v", f.Sources)
			}
			if len(f.Torrents) != 2 || f.Torrents[0].Seeders != 901 || f.Torrents[0].Size != 2308544348 || f.Torrents[0].Quality != "1080p" {
				t.Errorf("Torrents = %+v, want 2 with the highest seeders and gaps filled", f.Torrents)
			}
		}},
		{"YTS's IMDb rating beats TMDB's vote without OMDb", [][]catalog.Film{{tmdb}, {yts}}, func(t *testing.T, got []catalog.Film) {
			if len(got) != 1 || got[0].Rating != 8.7 || got[0].Summary != "TMDB's overview" {
				t.Errorf("got %+v", got)
			}
		}},
		{"title and year when one has no IMDb id, accents and articles aside", [][]catalog.Film{{amelieTMDB}, {amelieArchive}, {amelieYTS}}, func(t *testing.T, got []catalog.Film) {
			if len(got) != 1 {
				t.Fatalf("%d films, want 1: %+v", len(got), got)
			}
			f := got[0]
			if f.Title != "Amélie" || f.IMDbID != "tt0211915" || f.Rating != 8.3 || len(f.Torrents) != 1 ||
				!slices.Equal(f.Sources, []string{"tmdb", "yts", "archive"}) || !slices.Contains(f.AlternativeTitles, "Amelie") {
				t.Errorf("got %+v", f)
			}
		}},
		{"torrents by info hash, remake kept apart", [][]catalog.Film{{nightBuiltin}, {nightArchive, nightRemake}}, func(t *testing.T, got []catalog.Film) {
			if len(got) != 2 {
				t.Fatalf("%d films, want 2", len(got))
			}
			f := got[0]
			if f.Summary != "Archive's" || f.Popularity != 3418227 || len(f.Torrents) != 1 ||
				f.Torrents[0].TorrentURL == "" || f.Torrents[0].Magnet == "" || f.Torrents[0].Size != 4743528624 {
				t.Errorf("got %+v", f)
			}
			if got[1].Year != 1990 {
				t.Errorf("remake = %+v", got[1])
			}
		}},
		{"different IMDb ids never merge", [][]catalog.Film{{omdb}, {otherSameTitleYear}}, func(t *testing.T, got []catalog.Film) {
			if len(got) != 2 {
				t.Errorf("%d films, want 2", len(got))
			}
		}},
		{"no year, no IMDb id: kept apart", [][]catalog.Film{{{Title: "Untitled"}}, {{Title: "Untitled"}}}, func(t *testing.T, got []catalog.Film) {
			if len(got) != 2 {
				t.Errorf("%d films, want 2", len(got))
			}
		}},
		{"nothing", nil, func(t *testing.T, got []catalog.Film) {
			if len(got) != 0 {
				t.Errorf("got %+v", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]catalog.Release(nil), yts.Torrents...)
			tt.check(t, catalog.Merge(tt.lists...))
			if !slices.Equal(before, yts.Torrents) {
				t.Error("Merge changed its input")
			}
		})
	}
}
