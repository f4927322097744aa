package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

// clock is a fake time that tests move by hand.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newSessionService(t *testing.T, db *store.DB) (*store.SessionService, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	svc := store.NewSessionService(db)
	svc.Now = c.Now
	return svc, c
}

func session(hash string, userID int64, created time.Time) *hypertube.Session {
	return &hypertube.Session{
		TokenHash: hash,
		UserID:    userID,
		CreatedAt: created,
		ExpiresAt: created.Add(24 * time.Hour),
		UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
		IP:        "127.0.0.1",
	}
}

func TestSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		svc, clk := newSessionService(t, db)

		s := session(strings.Repeat("a", 64), alice.ID, time.Time{})
		s.ExpiresAt = clk.now.Add(time.Hour)
		s.UserAgent = "Agent\x00\n" + strings.Repeat("é", 400)
		if err := svc.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if !s.CreatedAt.Equal(clk.now) || !s.LastSeenAt.Equal(clk.now) {
			t.Errorf("CreatedAt %v, LastSeenAt %v: want the clock's %v", s.CreatedAt, s.LastSeenAt, clk.now)
		}
		if len(s.UserAgent) > 512 || !strings.HasPrefix(s.UserAgent, "Agenté") {
			t.Errorf("user agent not cleaned: %d bytes, %q…", len(s.UserAgent), s.UserAgent[:10])
		}
		got, err := svc.FindSession(ctx, s.TokenHash)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("FindSession:\n got %+v\nwant %+v", got, s)
		}

		// Touching slides the expiry; the session outlives its first one.
		clk.now = clk.now.Add(50 * time.Minute)
		if err := svc.TouchSession(ctx, s.TokenHash, clk.now, clk.now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		clk.now = clk.now.Add(30 * time.Minute)
		got, err = svc.FindSession(ctx, s.TokenHash)
		if err != nil {
			t.Fatalf("touched session: %v", err)
		}
		if !got.LastSeenAt.Equal(clk.now.Add(-30*time.Minute)) || !got.ExpiresAt.Equal(clk.now.Add(30*time.Minute)) {
			t.Errorf("after touch: last seen %v, expires %v", got.LastSeenAt, got.ExpiresAt)
		}

		// At its expiry it is gone, and touching cannot revive it.
		clk.now = got.ExpiresAt
		_, err = svc.FindSession(ctx, s.TokenHash)
		wantCode(t, err, hypertube.ENOTFOUND)
		wantCode(t, svc.TouchSession(ctx, s.TokenHash, clk.now, clk.now.Add(time.Hour)), hypertube.ENOTFOUND)
		clk.now = clk.now.Add(-time.Second)
		if _, err := svc.FindSession(ctx, s.TokenHash); err != nil {
			t.Errorf("a second before expiry: %v", err)
		}

		_, err = svc.FindSession(ctx, strings.Repeat("b", 64))
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = svc.FindSession(ctx, "' OR '1'='1")
		wantCode(t, err, hypertube.ENOTFOUND)

		if err := svc.DeleteSession(ctx, s.TokenHash); err != nil {
			t.Fatal(err)
		}
		_, err = svc.FindSession(ctx, s.TokenHash)
		wantCode(t, err, hypertube.ENOTFOUND)
		if err := svc.DeleteSession(ctx, s.TokenHash); err != nil {
			t.Errorf("signing out twice: %v", err)
		}
	})
}

func TestCreateSessionRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		alice := createUser(t, store.NewUserService(db), user("alice"))
		svc, clk := newSessionService(t, db)
		if err := svc.CreateSession(ctx, session("taken", alice.ID, clk.now)); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			change func(s *hypertube.Session)
			code   string
		}{
			{"no token hash", func(s *hypertube.Session) { s.TokenHash = "" }, hypertube.EINVALID},
			{"long token hash", func(s *hypertube.Session) { s.TokenHash = strings.Repeat("a", 129) }, hypertube.EINVALID},
			{"no expiry", func(s *hypertube.Session) { s.ExpiresAt = time.Time{} }, hypertube.EINVALID},
			{"not an address", func(s *hypertube.Session) { s.IP = strings.Repeat("1", 65) }, hypertube.EINVALID},
			{"unknown user", func(s *hypertube.Session) { s.UserID = alice.ID + 1000 }, hypertube.ENOTFOUND},
			{"same token hash", func(s *hypertube.Session) { s.TokenHash = "taken" }, hypertube.ECONFLICT},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := session("fresh", alice.ID, clk.now)
				tt.change(s)
				wantCode(t, svc.CreateSession(ctx, s), tt.code)
			})
		}
		wantCode(t, svc.CreateSession(ctx, nil), hypertube.EINVALID)
	})
}

func TestDeleteSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		bob := createUser(t, users, user("bob"))
		svc, clk := newSessionService(t, db)
		start := clk.now
		for _, s := range []*hypertube.Session{
			session("alice-laptop", alice.ID, start),
			session("alice-phone", alice.ID, start),
			session("alice-old", alice.ID, start.Add(-48*time.Hour)), // expired yesterday
			session("bob-laptop", bob.ID, start.Add(-23*time.Hour)),  // expires in an hour
		} {
			if err := svc.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		alive := func() []string {
			t.Helper()
			var out []string
			for _, h := range []string{"alice-laptop", "alice-phone", "alice-old", "bob-laptop"} {
				if _, err := svc.FindSession(ctx, h); err == nil {
					out = append(out, h)
				} else if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
					t.Fatal(err)
				}
			}
			return out
		}
		if got, want := alive(), []string{"alice-laptop", "alice-phone", "bob-laptop"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("alive = %q, want %q", got, want)
		}

		// The expired one is still a row until it is swept.
		n, err := svc.DeleteExpiredSessions(ctx, clk.now)
		if err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		if n, err := svc.DeleteExpiredSessions(ctx, clk.now); err != nil || n != 0 {
			t.Errorf("second sweep = %d, %v; want 0", n, err)
		}

		// A password change on the laptop signs the phone out, not Bob.
		if err := svc.DeleteUserSessions(ctx, alice.ID, "alice-laptop"); err != nil {
			t.Fatal(err)
		}
		if got, want := alive(), []string{"alice-laptop", "bob-laptop"}; !reflect.DeepEqual(got, want) {
			t.Errorf("after DeleteUserSessions: alive = %q, want %q", got, want)
		}
		// Keeping none ends them all.
		if err := svc.DeleteUserSessions(ctx, alice.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, want := alive(), []string{"bob-laptop"}; !reflect.DeepEqual(got, want) {
			t.Errorf("after DeleteUserSessions without keep: alive = %q, want %q", got, want)
		}

		clk.now = clk.now.Add(2 * time.Hour)
		if n, err := svc.DeleteExpiredSessions(ctx, clk.now); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions later = %d, %v; want 1 (Bob's)", n, err)
		}
		var rows int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&rows); err != nil || rows != 0 {
			t.Errorf("%d sessions left (%v), want none", rows, err)
		}
	})
}
