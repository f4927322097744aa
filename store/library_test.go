package store_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

// catalogMovie is a film as TMDB knows it: details, no torrent yet.
func catalogMovie(n int, title string) *hypertube.Movie {
	m := movie(n, title)
	m.InfoHash, m.Magnet = "", ""
	m.Source = "tmdb"
	return m
}

func TestMovieDetailsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		m := movie(1, " Amélie\t")
		m.OriginalTitle = "Le Fabuleux Destin d'Amélie Poulain"
		m.Director = "Jean-Pierre Jeunet"
		m.Producers = []string{"Claudie Ossard", " ", "claudie ossard", "Arne Meerkamp van Embden"}
		m.Cast = []string{"Audrey Tautou", "Mathieu Kassovitz\x00"}
		m.Genres = []string{"Comedy", "romance", "COMEDY", ""}
		m.Popularity, m.Seeders = 87.25, 42
		m.ImdbID = " TT0211915 "
		if err := svc.CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		want := hypertube.Movie{
			Title:         "Amélie",
			OriginalTitle: "Le Fabuleux Destin d'Amélie Poulain",
			Director:      "Jean-Pierre Jeunet",
			Producers:     []string{"Claudie Ossard", "Arne Meerkamp van Embden"},
			Cast:          []string{"Audrey Tautou", "Mathieu Kassovitz"},
			Genres:        []string{"Comedy", "romance"},
			ImdbID:        "tt0211915",
		}
		got, err := svc.FindMovieByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != want.Title || got.OriginalTitle != want.OriginalTitle || got.Director != want.Director ||
			!reflect.DeepEqual(got.Producers, want.Producers) || !reflect.DeepEqual(got.Cast, want.Cast) ||
			!reflect.DeepEqual(got.Genres, want.Genres) || got.ImdbID != want.ImdbID ||
			got.Popularity != 87.25 || got.Seeders != 42 {
			t.Errorf("stored %+v", got)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("CreateMovie left m different from what is stored:\n got %+v\nwant %+v", m, got)
		}

		// A film without credits reads back with empty lists, not nil.
		bare := &hypertube.Movie{Title: "Bare"}
		if err := svc.CreateMovie(ctx, bare); err != nil {
			t.Fatal(err)
		}
		got, err = svc.FindMovieByID(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Producers == nil || got.Cast == nil || got.Genres == nil || len(got.Cast) != 0 {
			t.Errorf("bare film lists: %q %q %q", got.Producers, got.Cast, got.Genres)
		}
	})
}

func TestMoviesWithoutTorrents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)

		// Two films with neither hash nor IMDb id are two films.
		for _, title := range []string{"Home Movie", "Home Movie"} {
			if err := svc.CreateMovie(ctx, &hypertube.Movie{Title: title}); err != nil {
				t.Fatal(err)
			}
		}
		// A catalog film is known by its IMDb id until it has a torrent.
		fight := catalogMovie(137523, "Fight Club")
		if err := svc.CreateMovie(ctx, fight); err != nil {
			t.Fatal(err)
		}
		again := catalogMovie(137523, "Fight Club (1999)")
		again.Rating = 8.8
		if err := svc.CreateMovie(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again.ID != fight.ID || again.InfoHash != "" {
			t.Fatalf("re-import by IMDb id: ID %d (want %d), hash %q", again.ID, fight.ID, again.InfoHash)
		}

		// A release is chosen: an import with a torrent joins the film.
		withTorrent := movie(137523, "Fight Club")
		withTorrent.FilePath = "Fight Club/fight.club.mkv"
		if err := svc.CreateMovie(ctx, withTorrent); err != nil {
			t.Fatal(err)
		}
		if withTorrent.ID != fight.ID {
			t.Fatalf("the import with a torrent made film %d, want %d", withTorrent.ID, fight.ID)
		}
		// A later catalog import keeps the torrent, magnet and file.
		refresh := catalogMovie(137523, "Fight Club")
		refresh.Popularity = 99
		if err := svc.CreateMovie(ctx, refresh); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindMovieByInfoHash(ctx, withTorrent.InfoHash)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != fight.ID || got.Magnet != withTorrent.Magnet || got.FilePath != withTorrent.FilePath ||
			got.Popularity != 99 || refresh.InfoHash != withTorrent.InfoHash {
			t.Errorf("after a catalog refresh: %+v (refresh %+v)", got, refresh)
		}

		_, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{})
		if err != nil || total != 3 {
			t.Errorf("total = %d (%v), want 3", total, err)
		}
		_, err = svc.FindMovieByInfoHash(ctx, "")
		wantCode(t, err, hypertube.EINVALID)
	})
}

func TestMovieConflicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		a, c := movie(1, "Sintel"), movie(2, "Tears of Steel")
		for _, m := range []*hypertube.Movie{a, c} {
			if err := svc.CreateMovie(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		// Another torrent claims Sintel's IMDb id.
		other := movie(3, "Sintel again")
		other.ImdbID = a.ImdbID
		wantCode(t, svc.CreateMovie(ctx, other), hypertube.ECONFLICT)

		a.InfoHash = c.InfoHash
		wantCode(t, svc.UpdateMovie(ctx, a), hypertube.ECONFLICT)
		a.InfoHash, a.ImdbID = fmt.Sprintf("%040x", 1), c.ImdbID
		wantCode(t, svc.UpdateMovie(ctx, a), hypertube.ECONFLICT)

		// Films may lose their torrent or IMDb id, all of them.
		a.InfoHash, a.ImdbID, a.Magnet = "", "", ""
		c.InfoHash, c.ImdbID, c.Magnet = "", "", ""
		for _, m := range []*hypertube.Movie{a, c} {
			if err := svc.UpdateMovie(ctx, m); err != nil {
				t.Fatalf("UpdateMovie without hash: %v", err)
			}
		}
	})
}

func TestCreateMoviesIsAllOrNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		bad := movie(3, "Bad")
		bad.Rating = 12
		err := svc.CreateMovies(ctx, []*hypertube.Movie{movie(1, "One"), movie(2, "Two"), bad})
		wantCode(t, err, hypertube.EINVALID)
		if !strings.Contains(err.Error(), "film 3 of 3") {
			t.Errorf("error %q does not say which film", err)
		}
		// A conflict in the middle undoes the batch too.
		clash := movie(5, "Clash")
		clash.ImdbID = movie(4, "").ImdbID
		err = svc.CreateMovies(ctx, []*hypertube.Movie{movie(4, "Four"), clash})
		wantCode(t, err, hypertube.ECONFLICT)
		_, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{})
		if err != nil || total != 0 {
			t.Errorf("total = %d (%v), want nothing stored", total, err)
		}

		// The same film twice in a batch, first from a catalog, then with
		// its torrent, is one film.
		films := []*hypertube.Movie{catalogMovie(6, "Six"), movie(6, "Six"), movie(7, "Seven")}
		if err := svc.CreateMovies(ctx, films); err != nil {
			t.Fatal(err)
		}
		if films[0].ID != films[1].ID || films[1].ID == films[2].ID {
			t.Errorf("ids %d, %d, %d: want the first two equal", films[0].ID, films[1].ID, films[2].ID)
		}
	})
}

func TestMovieValidationOfDetails(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		many := make([]string, 101)
		for i := range many {
			many[i] = fmt.Sprint("Actor ", i)
		}
		tests := []struct {
			name   string
			change func(m *hypertube.Movie)
		}{
			{"IMDb id not an IMDb id", func(m *hypertube.Movie) { m.ImdbID = "0137523" }},
			{"IMDb id with SQL", func(m *hypertube.Movie) { m.ImdbID = "tt1' OR '1'='1" }},
			{"negative popularity", func(m *hypertube.Movie) { m.Popularity = -1 }},
			{"infinite popularity", func(m *hypertube.Movie) { m.Popularity = math.Inf(1) }},
			{"negative seeders", func(m *hypertube.Movie) { m.Seeders = -1 }},
			{"cast too long", func(m *hypertube.Movie) { m.Cast = many }},
			{"name too long", func(m *hypertube.Movie) { m.Director = strings.Repeat("x", 201) }},
			{"original title too long", func(m *hypertube.Movie) { m.OriginalTitle = strings.Repeat("é", 501) }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := movie(5, "Valid")
				tt.change(m)
				wantCode(t, svc.CreateMovie(ctx, m), hypertube.EINVALID)
			})
		}
	})
}

func TestGenresFollowTheFilm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		m := movie(1, "Alien")
		m.Genres = []string{"Horror", "Science Fiction"}
		other := movie(2, "Amélie")
		other.Genres = []string{"comedy", "Romance"}
		for _, x := range []*hypertube.Movie{m, other} {
			if err := svc.CreateMovie(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		titles := func(genre string) []string {
			t.Helper()
			got, _, err := svc.FindMovies(ctx, hypertube.MovieFilter{Genre: genre})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range got {
				out = append(out, m.Title)
			}
			return out
		}
		if got := titles("HORROR"); !slices.Equal(got, []string{"Alien"}) {
			t.Errorf("horror: %q", got)
		}
		m.Genres = []string{"Thriller"}
		if err := svc.UpdateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got := titles("horror"); len(got) != 0 {
			t.Errorf("horror after the update: %q", got)
		}
		reimport := movie(1, "Alien")
		reimport.Genres = []string{"Horror", "Comedy"}
		if err := svc.CreateMovie(ctx, reimport); err != nil {
			t.Fatal(err)
		}
		if got := titles(" Comedy "); !slices.Equal(got, []string{"Alien", "Amélie"}) {
			t.Errorf("comedy after the re-import: %q", got)
		}
		genres, err := svc.FindGenres(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// One spelling per genre: which one of "Comedy" and "comedy" is
		// not specified.
		if len(genres) != 3 || !strings.EqualFold(genres[0], "comedy") || genres[1] != "Horror" || genres[2] != "Romance" {
			t.Errorf("FindGenres = %q", genres)
		}
		if err := svc.DeleteMovie(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		if genres, err := svc.FindGenres(ctx); err != nil || !slices.Equal(genres, []string{"Comedy", "Horror"}) {
			t.Errorf("FindGenres after a delete = %q, %v", genres, err)
		}
	})
}

func TestFindMoviesRefusesBadFilters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		svc := newService(t, b)
		for _, f := range []hypertube.MovieFilter{
			{Sort: "title; DROP TABLE movies"},
			{MinYear: 2000, MaxYear: 1990},
			{MinYear: -1},
			{MaxYear: 10000},
			{MinRating: math.NaN()},
			{MaxRating: 11},
			{MinRating: -1},
			{MinRating: 8, MaxRating: 5},
			{ImdbID: "nm0000122"},
		} {
			_, _, err := svc.FindMovies(context.Background(), f)
			wantCode(t, err, hypertube.EINVALID)
		}
	})
}

func TestFindMoviesWatchedBefore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		old, recent, never, catalog := movie(1, "Old"), movie(2, "Recent"), movie(3, "Never"), catalogMovie(4, "Catalog")
		for _, m := range []*hypertube.Movie{old, recent, never, catalog} {
			if err := svc.CreateMovie(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		if err := svc.MarkMovieWatched(ctx, old.ID, now.AddDate(0, 0, -40)); err != nil {
			t.Fatal(err)
		}
		if err := svc.MarkMovieWatched(ctx, recent.ID, now.AddDate(0, 0, -3)); err != nil {
			t.Fatal(err)
		}
		ids := func(t0 time.Time) []int64 {
			t.Helper()
			got, err := svc.FindMoviesWatchedBefore(ctx, t0)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, m := range got {
				out = append(out, m.ID)
			}
			return out
		}
		if got := ids(now.AddDate(0, 0, -30)); !slices.Equal(got, []int64{old.ID}) {
			t.Errorf("watched before 30 days ago: %v, want [%d]", got, old.ID)
		}
		// Counting from their creation, films never watched go too; films
		// without a torrent have nothing to remove.
		if got := ids(now.Add(time.Hour)); !slices.Equal(got, []int64{old.ID, recent.ID, never.ID}) {
			t.Errorf("watched before in an hour: %v, want [%d %d %d]", got, old.ID, recent.ID, never.ID)
		}
	})
}

// The services satisfy the domain interfaces.
var (
	_ hypertube.ReleaseService = store.NewReleaseService(nil)
	_ hypertube.CommentService = store.NewCommentService(nil)
)
