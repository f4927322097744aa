package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

func TestResetTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		bob := createUser(t, users, user("bob"))
		svc := store.NewResetService(db)
		now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		const expired = "This link has expired or was already used. Ask for a new one."

		if err := svc.CreateResetToken(ctx, alice.ID, "alice-1", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := svc.CreateResetToken(ctx, bob.ID, "bob-1", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}

		// Single use.
		id, err := svc.ConsumeResetToken(ctx, "alice-1", now)
		if err != nil || id != alice.ID {
			t.Fatalf("ConsumeResetToken = %d, %v; want %d", id, err, alice.ID)
		}
		_, err = svc.ConsumeResetToken(ctx, "alice-1", now)
		wantCode(t, err, hypertube.ENOTFOUND)
		if msg := hypertube.ErrorMessage(err); msg != expired {
			t.Errorf("message %q, want %q", msg, expired)
		}

		// Expiry: good until the last second before it.
		id, err = svc.ConsumeResetToken(ctx, "bob-1", now.Add(time.Hour))
		wantCode(t, err, hypertube.ENOTFOUND)
		id, err = svc.ConsumeResetToken(ctx, "bob-1", now.Add(time.Hour-time.Second))
		if err != nil || id != bob.ID {
			t.Errorf("just before expiry: %d, %v", id, err)
		}

		// A newer link makes the older ones useless, Bob's stay.
		for i := 2; i <= 4; i++ {
			if err := svc.CreateResetToken(ctx, alice.ID, fmt.Sprintf("alice-%d", i), now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.CreateResetToken(ctx, bob.ID, "bob-2", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, old := range []string{"alice-2", "alice-3"} {
			_, err := svc.ConsumeResetToken(ctx, old, now)
			wantCode(t, err, hypertube.ENOTFOUND)
		}
		if id, err := svc.ConsumeResetToken(ctx, "alice-4", now); err != nil || id != alice.ID {
			t.Errorf("newest token: %d, %v", id, err)
		}
		if id, err := svc.ConsumeResetToken(ctx, "bob-2", now); err != nil || id != bob.ID {
			t.Errorf("other user's token: %d, %v", id, err)
		}

		_, err = svc.ConsumeResetToken(ctx, "' OR '1'='1", now)
		wantCode(t, err, hypertube.ENOTFOUND)
		wantCode(t, svc.CreateResetToken(ctx, bob.ID+1000, "orphan", now.Add(time.Hour)), hypertube.ENOTFOUND)
		wantCode(t, svc.CreateResetToken(ctx, bob.ID, "", now.Add(time.Hour)), hypertube.EINVALID)
		// A token hash is unique across users.
		if err := svc.CreateResetToken(ctx, alice.ID, "shared", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.CreateResetToken(ctx, bob.ID, "shared", now.Add(time.Hour)), hypertube.ECONFLICT)
	})
}

func TestConsumeResetTokenOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		svc := store.NewResetService(db)
		now := time.Now()
		const rounds, racers = 5, 8
		for r := range rounds {
			u := createUser(t, store.NewUserService(db), user(fmt.Sprintf("user%d", r)))
			hash := fmt.Sprintf("token-%d", r)
			if err := svc.CreateResetToken(ctx, u.ID, hash, now.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				mu    sync.Mutex
				wins  int
				codes []string
			)
			for range racers {
				wg.Go(func() {
					<-start
					id, err := svc.ConsumeResetToken(ctx, hash, now)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil && id == u.ID:
						wins++
					case err == nil:
						codes = append(codes, fmt.Sprintf("won with user %d", id))
					default:
						codes = append(codes, hypertube.ErrorCode(err))
					}
				})
			}
			close(start)
			wg.Wait()
			if wins != 1 {
				t.Errorf("round %d: %d winners, want exactly 1", r, wins)
			}
			for _, c := range codes {
				if c != hypertube.ENOTFOUND {
					t.Errorf("round %d: a loser got %q, want %q", r, c, hypertube.ENOTFOUND)
				}
			}
		}
	})
}
