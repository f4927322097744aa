package store_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

// movie returns a valid film whose info hash is derived from n.
func movie(n int, title string) *hypertube.Movie {
	return &hypertube.Movie{
		Title:    title,
		Year:     2000 + n%25,
		Summary:  "A film about " + title + ".",
		Poster:   "https://example.org/" + fmt.Sprint(n) + ".jpg",
		ImdbID:   fmt.Sprintf("tt%07d", n),
		Runtime:  90,
		Genres:   []string{"Animation", "Short"},
		Rating:   7.5,
		Source:   "builtin",
		InfoHash: fmt.Sprintf("%040x", n),
		Magnet:   fmt.Sprintf("magnet:?xt=urn:btih:%040x", n),
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := hypertube.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
	if code != "" && hypertube.ErrorMessage(err) == "" {
		t.Errorf("error %v has no message for people", err)
	}
}

func TestCreateAndFindMovie(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		m := movie(7, "  Big Buck Bunny ")
		m.InfoHash = strings.ToUpper(m.InfoHash)
		m.FilePath = "Big Buck Bunny/big-buck-bunny.mp4"
		before := time.Now().Add(-time.Second)
		if err := svc.CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		if m.ID <= 0 {
			t.Fatalf("ID = %d, want a positive id", m.ID)
		}
		if m.Title != "Big Buck Bunny" || m.InfoHash != fmt.Sprintf("%040x", 7) {
			t.Errorf("not normalised: title %q, info hash %q", m.Title, m.InfoHash)
		}
		if m.CreatedAt.Before(before) || m.CreatedAt.After(time.Now()) || !m.UpdatedAt.Equal(m.CreatedAt) {
			t.Errorf("CreatedAt %v, UpdatedAt %v: want both now", m.CreatedAt, m.UpdatedAt)
		}
		if !m.LastWatchedAt.IsZero() {
			t.Errorf("LastWatchedAt = %v, want zero", m.LastWatchedAt)
		}

		byID, err := svc.FindMovieByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byID, m) {
			t.Errorf("FindMovieByID:\n got %+v\nwant %+v", byID, m)
		}
		byHash, err := svc.FindMovieByInfoHash(ctx, strings.ToUpper(m.InfoHash))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(byHash, m) {
			t.Errorf("FindMovieByInfoHash:\n got %+v\nwant %+v", byHash, m)
		}

		// A film without genres reads back as an empty list.
		bare := &hypertube.Movie{Title: "Bare", InfoHash: fmt.Sprintf("%040x", 8)}
		if err := svc.CreateMovie(ctx, bare); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindMovieByID(ctx, bare.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Genres) != 0 || got.ID == m.ID {
			t.Errorf("bare film: %+v", got)
		}
	})
}

func TestCreateMovieUpsertsByInfoHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		first := movie(3, "Sintel (old title)")
		first.FilePath = "Sintel/sintel.mp4"
		if err := svc.CreateMovie(ctx, first); err != nil {
			t.Fatal(err)
		}
		watched := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
		if err := svc.MarkMovieWatched(ctx, first.ID, watched); err != nil {
			t.Fatal(err)
		}

		again := movie(3, "Sintel")
		again.InfoHash = strings.ToUpper(again.InfoHash)
		again.Genres = []string{"Fantasy"}
		again.FilePath = "" // a catalog that does not know the file
		if err := svc.CreateMovie(ctx, again); err != nil {
			t.Fatal(err)
		}
		if again.ID != first.ID {
			t.Errorf("upsert gave ID %d, want the existing %d", again.ID, first.ID)
		}
		if !again.CreatedAt.Equal(first.CreatedAt) || !again.LastWatchedAt.Equal(watched) {
			t.Errorf("upsert changed CreatedAt %v→%v or LastWatchedAt to %v", first.CreatedAt, again.CreatedAt, again.LastWatchedAt)
		}

		got, err := svc.FindMovieByID(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Sintel" || !reflect.DeepEqual(got.Genres, []string{"Fantasy"}) {
			t.Errorf("upsert did not update: %+v", got)
		}
		if got.FilePath != "Sintel/sintel.mp4" {
			t.Errorf("FilePath = %q, want the known one kept", got.FilePath)
		}
		_, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{})
		if err != nil || total != 1 {
			t.Errorf("total = %d (%v), want 1", total, err)
		}
	})
}

func TestFindMovieNotFound(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		_, err := svc.FindMovieByID(ctx, 12345)
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = svc.FindMovieByInfoHash(ctx, fmt.Sprintf("%040x", 99))
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = svc.FindMovieByInfoHash(ctx, "not-a-hash' OR '1'='1")
		wantCode(t, err, hypertube.EINVALID)
	})
}

func TestFindMovies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		films := []struct {
			title, source string
		}{
			{"Tears of Steel", "builtin"},
			{"sintel", "builtin"},
			{"Big Buck Bunny", "builtin"},
			{"Night of the Living Dead", "user"},
			{"100% Pure", "user"},
			{"under_score", "user"},
			{"Cosmos Laundromat", "builtin"},
		}
		for i, f := range films {
			m := movie(i+1, f.title)
			m.Source = f.source
			if err := svc.CreateMovie(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		all := []string{"100% Pure", "Big Buck Bunny", "Cosmos Laundromat", "Night of the Living Dead",
			"sintel", "Tears of Steel", "under_score"}

		tests := []struct {
			name      string
			filter    hypertube.MovieFilter
			want      []string
			wantTotal int
		}{
			{"everything by title, ignoring case", hypertube.MovieFilter{}, all, 7},
			{"query ignores case", hypertube.MovieFilter{Query: "BUNNY"}, []string{"Big Buck Bunny"}, 1},
			{"query is a substring", hypertube.MovieFilter{Query: "of"}, []string{"Night of the Living Dead", "Tears of Steel"}, 2},
			{"percent is literal", hypertube.MovieFilter{Query: "%"}, []string{"100% Pure"}, 1},
			{"underscore is literal", hypertube.MovieFilter{Query: "_"}, []string{"under_score"}, 1},
			{"quote is literal", hypertube.MovieFilter{Query: "' OR 1=1 --"}, []string{}, 0},
			{"source", hypertube.MovieFilter{Source: "user"}, []string{"100% Pure", "Night of the Living Dead", "under_score"}, 3},
			{"query and source", hypertube.MovieFilter{Query: "U", Source: "builtin"}, []string{"Big Buck Bunny", "Cosmos Laundromat"}, 2},
			{"info hash", hypertube.MovieFilter{InfoHash: strings.ToUpper(fmt.Sprintf("%040x", 2))}, []string{"sintel"}, 1},
			{"page", hypertube.MovieFilter{Offset: 2, Limit: 2}, []string{"Cosmos Laundromat", "Night of the Living Dead"}, 7},
			{"last page", hypertube.MovieFilter{Offset: 6, Limit: 2}, []string{"under_score"}, 7},
			{"past the end", hypertube.MovieFilter{Offset: 50}, []string{}, 7},
			{"page of a query", hypertube.MovieFilter{Query: "u", Offset: 1, Limit: 1}, []string{"Big Buck Bunny"}, 4},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := svc.FindMovies(ctx, tt.filter)
				if err != nil {
					t.Fatal(err)
				}
				titles := []string{}
				for _, m := range got {
					titles = append(titles, m.Title)
				}
				if !reflect.DeepEqual(titles, tt.want) || total != tt.wantTotal {
					t.Errorf("got %q (total %d), want %q (total %d)", titles, total, tt.want, tt.wantTotal)
				}
			})
		}

		for _, bad := range []hypertube.MovieFilter{{Offset: -1}, {Limit: -5}, {InfoHash: "abc"}} {
			_, _, err := svc.FindMovies(ctx, bad)
			wantCode(t, err, hypertube.EINVALID)
		}
	})
}

func TestFindMoviesPageSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		const n = 205
		for i := range n {
			if err := svc.CreateMovie(ctx, movie(i+1, fmt.Sprintf("Film %03d", i))); err != nil {
				t.Fatal(err)
			}
		}
		for _, tt := range []struct{ limit, want int }{{0, 50}, {10, 10}, {200, 200}, {1000, 200}} {
			got, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want || total != n {
				t.Errorf("Limit %d: %d films (total %d), want %d (total %d)", tt.limit, len(got), total, tt.want, n)
			}
		}
	})
}

func TestUpdateMovie(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		m, other := movie(1, "Tears of Stell"), movie(2, "Sintel")
		for _, x := range []*hypertube.Movie{m, other} {
			if err := svc.CreateMovie(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.MarkMovieWatched(ctx, m.ID, time.Unix(1_700_000_000, 0)); err != nil {
			t.Fatal(err)
		}

		m.Title, m.Year, m.Runtime, m.Rating = "Tears of Steel", 2012, 12, 6.5
		m.Genres, m.FilePath, m.Source = []string{"Sci-Fi"}, "tears/tos.mkv", "user"
		m.InfoHash = fmt.Sprintf("%040x", 42)
		if err := svc.UpdateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		if !m.LastWatchedAt.Equal(time.Unix(1_700_000_000, 0)) {
			t.Errorf("LastWatchedAt = %v, want it kept", m.LastWatchedAt)
		}
		got, err := svc.FindMovieByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("after update:\n got %+v\nwant %+v", got, m)
		}

		taken := *m
		taken.InfoHash = other.InfoHash
		wantCode(t, svc.UpdateMovie(ctx, &taken), hypertube.ECONFLICT)
		missing := *m
		missing.ID = 9999
		wantCode(t, svc.UpdateMovie(ctx, &missing), hypertube.ENOTFOUND)
		invalid := *m
		invalid.Title = " "
		wantCode(t, svc.UpdateMovie(ctx, &invalid), hypertube.EINVALID)
	})
}

func TestDeleteMovie(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		m, kept := movie(1, "Sintel"), movie(2, "Big Buck Bunny")
		for _, x := range []*hypertube.Movie{m, kept} {
			if err := svc.CreateMovie(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.DeleteMovie(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err := svc.FindMovieByID(ctx, m.ID)
		wantCode(t, err, hypertube.ENOTFOUND)
		wantCode(t, svc.DeleteMovie(ctx, m.ID), hypertube.ENOTFOUND)
		if _, err := svc.FindMovieByID(ctx, kept.ID); err != nil {
			t.Errorf("the other film went too: %v", err)
		}
	})
}

func TestMarkMovieWatched(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		m := movie(1, "Cosmos Laundromat")
		if err := svc.CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2025, 6, 7, 8, 9, 10, 0, time.FixedZone("CEST", 2*3600))
		if err := svc.MarkMovieWatched(ctx, m.ID, at); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindMovieByID(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastWatchedAt.Equal(at) || got.LastWatchedAt.Location() != time.UTC {
			t.Errorf("LastWatchedAt = %v, want %v in UTC", got.LastWatchedAt, at)
		}
		if !got.UpdatedAt.Equal(m.UpdatedAt) {
			t.Errorf("watching changed UpdatedAt from %v to %v", m.UpdatedAt, got.UpdatedAt)
		}
		wantCode(t, svc.MarkMovieWatched(ctx, 9999, at), hypertube.ENOTFOUND)
	})
}

func TestCreateMovieValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		tests := []struct {
			name   string
			change func(m *hypertube.Movie)
		}{
			{"no title", func(m *hypertube.Movie) { m.Title = "" }},
			{"blank title", func(m *hypertube.Movie) { m.Title = " \t " }},
			{"title too long", func(m *hypertube.Movie) { m.Title = strings.Repeat("a", 501) }},
			{"short info hash", func(m *hypertube.Movie) { m.InfoHash = "abc123" }},
			{"info hash not hex", func(m *hypertube.Movie) { m.InfoHash = strings.Repeat("z", 40) }},
			{"base32 info hash", func(m *hypertube.Movie) { m.InfoHash = strings.Repeat("A", 32) }},
			{"negative year", func(m *hypertube.Movie) { m.Year = -1 }},
			{"negative runtime", func(m *hypertube.Movie) { m.Runtime = -3 }},
			{"rating above 10", func(m *hypertube.Movie) { m.Rating = 11 }},
			{"rating NaN", func(m *hypertube.Movie) { m.Rating = math.NaN() }},
			{"magnet not a magnet", func(m *hypertube.Movie) { m.Magnet = "http://example.org/x.torrent" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := movie(5, "Valid")
				tt.change(m)
				wantCode(t, svc.CreateMovie(ctx, m), hypertube.EINVALID)
			})
		}
		wantCode(t, svc.CreateMovie(ctx, nil), hypertube.EINVALID)
		_, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{})
		if err != nil || total != 0 {
			t.Errorf("invalid films were stored: total %d (%v)", total, err)
		}
	})
}

// The service satisfies the domain interface.
var _ hypertube.MovieService = store.NewMovieService(nil)
