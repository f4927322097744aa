package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

func TestDeleteUserCascades(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		sessions, _ := newSessionService(t, db)
		resets := store.NewResetService(db)
		watches := store.NewWatchService(db)
		m := movie(1, "Sintel")
		if err := store.NewMovieService(db).CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		now := sessions.Now()

		// Alice and Bob each own one row of every kind.
		for _, name := range []string{"alice", "bob"} {
			u := createUser(t, users, user(name))
			steps := []error{
				users.CreateIdentity(ctx, &hypertube.Identity{Provider: "github", Subject: name, UserID: u.ID}),
				sessions.CreateSession(ctx, session(name+"-session", u.ID, now)),
				resets.CreateResetToken(ctx, u.ID, name+"-reset", now.Add(time.Hour)),
				watches.RecordWatch(ctx, u.ID, m.ID, 10, 20, now),
			}
			for _, err := range steps {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		alice, err := users.FindUserByLogin(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if err := users.DeleteUser(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}

		_, err = users.FindUserByID(ctx, alice.ID)
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = users.FindIdentity(ctx, "github", "alice")
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = sessions.FindSession(ctx, "alice-session")
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = resets.ConsumeResetToken(ctx, "alice-reset", now)
		wantCode(t, err, hypertube.ENOTFOUND)
		// Gone, not only out of reach: one row of each is left, Bob's.
		for _, table := range []string{"users", "identities", "sessions", "reset_tokens", "watches"} {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil || n != 1 {
				t.Errorf("%s has %d rows (%v), want Bob's 1", table, n, err)
			}
		}
		if ids, err := watches.WatchedMovieIDs(ctx, alice.ID); err != nil || len(ids) != 0 {
			t.Errorf("Alice's watches: %v, %v", ids, err)
		}
		if _, err := sessions.FindSession(ctx, "bob-session"); err != nil {
			t.Errorf("Bob's session: %v", err)
		}
		// The film stays.
		if _, err := store.NewMovieService(db).FindMovieByID(ctx, m.ID); err != nil {
			t.Errorf("film: %v", err)
		}

		wantCode(t, users.DeleteUser(ctx, alice.ID), hypertube.ENOTFOUND)
	})
}
