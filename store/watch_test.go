package store_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

func TestWatches(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		bob := createUser(t, users, user("bob"))
		movies := store.NewMovieService(db)
		films := createMovies(t, movies, "Sintel", "Big Buck Bunny", "Tears of Steel")
		svc := store.NewWatchService(db)
		t0 := time.Date(2025, 3, 1, 20, 0, 0, 0, time.UTC)

		record := func(u *hypertube.User, m *hypertube.Movie, pos, dur float64, at time.Time) {
			t.Helper()
			if err := svc.RecordWatch(ctx, u.ID, m.ID, pos, dur, at); err != nil {
				t.Fatal(err)
			}
		}
		record(alice, films[0], 60, 888.5, t0)
		record(alice, films[1], 10, 596, t0.Add(time.Minute))
		record(alice, films[2], 0, 0, t0.Add(2*time.Minute))
		record(bob, films[0], 30, 888.5, t0.Add(time.Hour))
		// Alice goes back to Sintel: updated, not added, and now the latest.
		record(alice, films[0], 412.25, 888.5, t0.Add(3*time.Minute))

		got, err := svc.ListWatched(ctx, alice.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Watch{
			{MovieID: films[0].ID, Title: "Sintel", Year: films[0].Year, Position: 412.25, Duration: 888.5, WatchedAt: t0.Add(3 * time.Minute)},
			{MovieID: films[2].ID, Title: "Tears of Steel", Year: films[2].Year, WatchedAt: t0.Add(2 * time.Minute)},
			{MovieID: films[1].ID, Title: "Big Buck Bunny", Year: films[1].Year, Position: 10, Duration: 596, WatchedAt: t0.Add(time.Minute)},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ListWatched:\n got %+v\nwant %+v", got, want)
		}
		if got, err := svc.ListWatched(ctx, alice.ID, 2); err != nil || !reflect.DeepEqual(got, want[:2]) {
			t.Errorf("ListWatched limit 2: %+v, %v", got, err)
		}
		if got, err := svc.ListWatched(ctx, bob.ID, 0); err != nil || len(got) != 1 || got[0].Position != 30 {
			t.Errorf("Bob's list: %+v, %v", got, err)
		}
		if got, err := svc.ListWatched(ctx, bob.ID+1000, 0); err != nil || got == nil || len(got) != 0 {
			t.Errorf("unknown user's list: %#v, %v; want empty", got, err)
		}
		_, err = svc.ListWatched(ctx, alice.ID, -1)
		wantCode(t, err, hypertube.EINVALID)

		ids, err := svc.WatchedMovieIDs(ctx, bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids, map[int64]bool{films[0].ID: true}) {
			t.Errorf("Bob's watched ids = %v", ids)
		}
		ids, err = svc.WatchedMovieIDs(ctx, alice.ID)
		if err != nil || len(ids) != 3 {
			t.Errorf("Alice's watched ids = %v, %v", ids, err)
		}

		// A deleted film leaves the lists.
		if err := movies.DeleteMovie(ctx, films[2].ID); err != nil {
			t.Fatal(err)
		}
		if ids, err := svc.WatchedMovieIDs(ctx, alice.ID); err != nil || ids[films[2].ID] || len(ids) != 2 {
			t.Errorf("after deleting a film: %v, %v", ids, err)
		}

		for _, bad := range [][2]float64{{-1, 10}, {1, -1}, {math.NaN(), 10}, {1, math.Inf(1)}} {
			wantCode(t, svc.RecordWatch(ctx, alice.ID, films[0].ID, bad[0], bad[1], t0), hypertube.EINVALID)
		}
		wantCode(t, svc.RecordWatch(ctx, alice.ID, films[2].ID, 1, 2, t0), hypertube.ENOTFOUND)
		wantCode(t, svc.RecordWatch(ctx, bob.ID+1000, films[0].ID, 1, 2, t0), hypertube.ENOTFOUND)
	})
}

func TestFindWatchAndPositionKept(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users, movies, watches := store.NewUserService(db), store.NewMovieService(db), store.NewWatchService(db)
		u := createUser(t, users, user("resumer"))
		m := &hypertube.Movie{Title: "Resume Me", InfoHash: "abababababababababababababababababababab"}
		if err := movies.CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		if _, err := watches.FindWatch(ctx, u.ID, m.ID); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			t.Fatalf("never played: err %v, want ENOTFOUND", err)
		}
		at := time.Unix(1_800_000_000, 0).UTC()
		if err := watches.RecordWatch(ctx, u.ID, m.ID, 600, 3600, at); err != nil {
			t.Fatal(err)
		}
		// Pressing Play again records the time only: the place is kept.
		if err := watches.RecordWatch(ctx, u.ID, m.ID, 0, 0, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		w, err := watches.FindWatch(ctx, u.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.Position != 600 || w.Duration != 3600 || !w.WatchedAt.Equal(at.Add(time.Hour)) || w.Title != "Resume Me" {
			t.Errorf("got %+v", w)
		}
		// A real position replaces it.
		if err := watches.RecordWatch(ctx, u.ID, m.ID, 1200, 3600, at.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if w, _ := watches.FindWatch(ctx, u.ID, m.ID); w.Position != 1200 {
			t.Errorf("position after progress: %v, want 1200", w.Position)
		}
	})
}

// createMovies stores a film of each title, numbered from 1 as movie()
// numbers them, and returns them.
func createMovies(t *testing.T, svc *store.MovieService, titles ...string) []*hypertube.Movie {
	t.Helper()
	var films []*hypertube.Movie
	for i, title := range titles {
		m := movie(i+1, title)
		if err := svc.CreateMovie(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		films = append(films, m)
	}
	return films
}
