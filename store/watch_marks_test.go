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

func TestWatchedMovieIDsPast(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		bob := createUser(t, users, user("bob"))
		movies := store.NewMovieService(db)
		films := createMovies(t, movies, "Film A", "Film B", "Film C", "Film D", "Film E", "Film F")
		svc := store.NewWatchService(db)
		for _, w := range []struct {
			u        *hypertube.User
			m        *hypertube.Movie
			pos, dur float64
		}{
			{alice, films[0], 4, 100},   // 4 %: only opened
			{alice, films[1], 5, 100},   // exactly 5 %
			{alice, films[2], 60, 100},  // well into it
			{alice, films[3], 100, 100}, // finished
			{alice, films[4], 300, 0},   // length never known
			{alice, films[5], 0, 100},   // never started
			{bob, films[0], 50, 100},    // someone else's watch
		} {
			if err := svc.RecordWatch(ctx, w.u.ID, w.m.ID, w.pos, w.dur, time.Date(2025, 3, 1, 20, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name     string
			userID   int64
			fraction float64
			want     map[int64]bool
		}{
			{"past 5 %", alice.ID, 0.05, map[int64]bool{films[1].ID: true, films[2].ID: true, films[3].ID: true}},
			{"past half", alice.ID, 0.5, map[int64]bool{films[2].ID: true, films[3].ID: true}},
			{"any start", alice.ID, 0, map[int64]bool{films[0].ID: true, films[1].ID: true, films[2].ID: true, films[3].ID: true}},
			{"other user", bob.ID, 0.05, map[int64]bool{films[0].ID: true}},
			{"nobody", bob.ID + 1000, 0.05, map[int64]bool{}},
		}
		for _, tt := range tests {
			got, err := svc.WatchedMovieIDsPast(ctx, tt.userID, tt.fraction)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
			}
		}
		for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
			_, err := svc.WatchedMovieIDsPast(ctx, alice.ID, bad)
			wantCode(t, err, hypertube.EINVALID)
		}
	})
}
