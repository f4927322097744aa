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

var oauthNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func hash(s string) string { return strings.Repeat(s, 64/len(s)) }

func createClient(t *testing.T, svc *store.OAuthService, userID int64, clientID string) *store.OAuthClient {
	t.Helper()
	c := &store.OAuthClient{ClientID: clientID, SecretHash: hash("s"), UserID: userID,
		Name: "  My app ", RedirectURIs: []string{"https://app.example/cb", "http://127.0.0.1:9000/cb"}}
	if err := svc.CreateClient(context.Background(), c); err != nil {
		t.Fatalf("CreateClient(%q): %v", clientID, err)
	}
	return c
}

func accessToken(access, refresh, clientID string, userID int64) *store.OAuthToken {
	t := &store.OAuthToken{AccessHash: access, RefreshHash: refresh, ClientID: clientID, UserID: userID,
		CreatedAt: oauthNow, ExpiresAt: oauthNow.Add(time.Hour)}
	if refresh != "" {
		t.RefreshExpiresAt = oauthNow.Add(30 * 24 * time.Hour)
	}
	return t
}

func TestOAuthClients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		bob := createUser(t, users, user("bob"))
		svc := store.NewOAuthService(db)

		c := createClient(t, svc, alice.ID, "client-a")
		if c.ID == 0 || c.Name != "My app" || c.CreatedAt.IsZero() {
			t.Errorf("created client %+v: want an id, a trimmed name and a time", c)
		}
		got, err := svc.FindClient(ctx, "client-a")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("FindClient:\n got %+v\nwant %+v", got, c)
		}
		createClient(t, svc, alice.ID, "client-b")
		createClient(t, svc, bob.ID, "client-c")
		list, err := svc.ListClients(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ClientID != "client-a" || list[1].ClientID != "client-b" {
			t.Errorf("ListClients(alice) = %+v, want client-a and client-b", list)
		}

		dup := &store.OAuthClient{ClientID: "client-a", SecretHash: hash("s"), UserID: bob.ID, Name: "x"}
		wantCode(t, svc.CreateClient(ctx, dup), hypertube.ECONFLICT)
		ghost := &store.OAuthClient{ClientID: "ghost", SecretHash: hash("s"), UserID: 9999, Name: "x"}
		wantCode(t, svc.CreateClient(ctx, ghost), hypertube.ENOTFOUND)

		// Bob cannot revoke Alice's app; Alice can, once.
		wantCode(t, svc.RevokeClient(ctx, bob.ID, "client-a", oauthNow), hypertube.ENOTFOUND)
		if err := svc.RevokeClient(ctx, alice.ID, "client-a", oauthNow); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.RevokeClient(ctx, alice.ID, "client-a", oauthNow), hypertube.ENOTFOUND)
		_, err = svc.FindClient(ctx, "client-a")
		wantCode(t, err, hypertube.ENOTFOUND)
		list, _ = svc.ListClients(ctx, alice.ID)
		if len(list) != 1 || list[0].ClientID != "client-b" {
			t.Errorf("after revoking: %+v, want client-b only", list)
		}
		_, err = svc.FindClient(ctx, "' OR '1'='1")
		wantCode(t, err, hypertube.ENOTFOUND)
	})
}

func TestCreateOAuthClientRefuses(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db := openBackend(t, b)
		alice := createUser(t, store.NewUserService(db), user("alice"))
		svc := store.NewOAuthService(db)
		tests := []struct {
			name   string
			change func(c *store.OAuthClient)
		}{
			{"no client id", func(c *store.OAuthClient) { c.ClientID = "" }},
			{"no secret", func(c *store.OAuthClient) { c.SecretHash = "" }},
			{"blank name", func(c *store.OAuthClient) { c.Name = "   " }},
			{"long name", func(c *store.OAuthClient) { c.Name = strings.Repeat("n", 101) }},
			{"control in name", func(c *store.OAuthClient) { c.Name = "a\x00b" }},
			{"too many URIs", func(c *store.OAuthClient) { c.RedirectURIs = make([]string, 11) }},
			{"empty URI", func(c *store.OAuthClient) { c.RedirectURIs = []string{""} }},
		}
		for _, tt := range tests {
			c := &store.OAuthClient{ClientID: "ok", SecretHash: hash("s"), UserID: alice.ID, Name: "App"}
			tt.change(c)
			err := svc.CreateClient(context.Background(), c)
			if hypertube.ErrorCode(err) != hypertube.EINVALID {
				t.Errorf("%s: error %v, want EINVALID", tt.name, err)
			}
		}
	})
}

func TestOAuthCodes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		alice := createUser(t, store.NewUserService(db), user("alice"))
		svc := store.NewOAuthService(db)
		createClient(t, svc, alice.ID, "client-a")

		code := &store.OAuthCode{Hash: hash("c"), ClientID: "client-a", UserID: alice.ID,
			RedirectURI: "https://app.example/cb", CodeChallenge: "challenge",
			CreatedAt: oauthNow, ExpiresAt: oauthNow.Add(time.Minute)}
		if err := svc.CreateCode(ctx, code); err != nil {
			t.Fatal(err)
		}
		got, err := svc.ConsumeCode(ctx, code.Hash, oauthNow.Add(59*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, code) {
			t.Errorf("ConsumeCode:\n got %+v\nwant %+v", got, code)
		}
		_, err = svc.ConsumeCode(ctx, code.Hash, oauthNow)
		wantCode(t, err, hypertube.ENOTFOUND) // single use

		late := *code
		late.Hash = hash("d")
		if err := svc.CreateCode(ctx, &late); err != nil {
			t.Fatal(err)
		}
		_, err = svc.ConsumeCode(ctx, late.Hash, late.ExpiresAt)
		wantCode(t, err, hypertube.ENOTFOUND) // expired

		orphan := *code
		orphan.Hash, orphan.ClientID = hash("e"), "ghost"
		wantCode(t, svc.CreateCode(ctx, &orphan), hypertube.ENOTFOUND)
		noChallenge := *code
		noChallenge.Hash, noChallenge.CodeChallenge = hash("f"), ""
		wantCode(t, svc.CreateCode(ctx, &noChallenge), hypertube.EINVALID)

		// Revoking the client throws its pending codes away.
		pending := *code
		pending.Hash = hash("g")
		if err := svc.CreateCode(ctx, &pending); err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeClient(ctx, alice.ID, "client-a", oauthNow); err != nil {
			t.Fatal(err)
		}
		_, err = svc.ConsumeCode(ctx, pending.Hash, oauthNow)
		wantCode(t, err, hypertube.ENOTFOUND)
	})
}

func TestOAuthTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		alice := createUser(t, store.NewUserService(db), user("alice"))
		svc := store.NewOAuthService(db)
		createClient(t, svc, alice.ID, "client-a")

		tok := accessToken(hash("a"), "", "client-a", alice.ID)
		if err := svc.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if tok.Family != tok.AccessHash {
			t.Errorf("family %q, want the first access hash", tok.Family)
		}
		got, err := svc.FindAccessToken(ctx, hash("a"), oauthNow.Add(59*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tok) {
			t.Errorf("FindAccessToken:\n got %+v\nwant %+v", got, tok)
		}
		_, err = svc.FindAccessToken(ctx, hash("a"), tok.ExpiresAt)
		wantCode(t, err, hypertube.ENOTFOUND) // expired
		_, err = svc.FindAccessToken(ctx, hash("b"), oauthNow)
		wantCode(t, err, hypertube.ENOTFOUND)

		wantCode(t, svc.CreateToken(ctx, accessToken(hash("a"), "", "client-a", alice.ID)), hypertube.ECONFLICT)
		wantCode(t, svc.CreateToken(ctx, accessToken(hash("c"), "", "ghost", alice.ID)), hypertube.ENOTFOUND)
		noExpiry := accessToken(hash("c"), "", "client-a", alice.ID)
		noExpiry.ExpiresAt = time.Time{}
		wantCode(t, svc.CreateToken(ctx, noExpiry), hypertube.EINVALID)

		// RFC 7009: revoking is silent for unknown tokens and for tokens of
		// another client, and works for the right one.
		if err := svc.RevokeToken(ctx, hash("a"), "other-client", oauthNow); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FindAccessToken(ctx, hash("a"), oauthNow); err != nil {
			t.Fatalf("another client revoked the token: %v", err)
		}
		if err := svc.RevokeToken(ctx, hash("z"), "client-a", oauthNow); err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeToken(ctx, hash("a"), "client-a", oauthNow); err != nil {
			t.Fatal(err)
		}
		_, err = svc.FindAccessToken(ctx, hash("a"), oauthNow)
		wantCode(t, err, hypertube.ENOTFOUND)

		// Revoking the client ends its tokens.
		live := accessToken(hash("d"), "", "client-a", alice.ID)
		if err := svc.CreateToken(ctx, live); err != nil {
			t.Fatal(err)
		}
		if err := svc.RevokeClient(ctx, alice.ID, "client-a", oauthNow); err != nil {
			t.Fatal(err)
		}
		_, err = svc.FindAccessToken(ctx, hash("d"), oauthNow)
		wantCode(t, err, hypertube.ENOTFOUND)
	})
}

func TestRotateRefreshToken(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		alice := createUser(t, store.NewUserService(db), user("alice"))
		svc := store.NewOAuthService(db)
		createClient(t, svc, alice.ID, "client-a")
		createClient(t, svc, alice.ID, "client-b")

		first := accessToken(hash("a1"), hash("r1"), "client-a", alice.ID)
		if err := svc.CreateToken(ctx, first); err != nil {
			t.Fatal(err)
		}
		later := oauthNow.Add(2 * time.Hour)
		second := &store.OAuthToken{AccessHash: hash("a2"), RefreshHash: hash("r2"),
			ExpiresAt: later.Add(time.Hour), RefreshExpiresAt: later.Add(30 * 24 * time.Hour)}

		// Another client cannot use it.
		wantCode(t, svc.RotateRefreshToken(ctx, hash("r1"), "client-b", second, later), hypertube.ENOTFOUND)
		if err := svc.RotateRefreshToken(ctx, hash("r1"), "client-a", second, later); err != nil {
			t.Fatal(err)
		}
		if second.UserID != alice.ID || second.ClientID != "client-a" || second.Family != first.Family ||
			second.RotatedFrom != first.ID || second.ID == 0 {
			t.Errorf("rotated token %+v: want Alice's, of client-a, in family %q, from %d", second, first.Family, first.ID)
		}
		if _, err := svc.FindAccessToken(ctx, hash("a1"), later.Add(-time.Hour-time.Minute)); err == nil {
			t.Error("the replaced access token still works")
		}
		if _, err := svc.FindAccessToken(ctx, hash("a2"), later); err != nil {
			t.Fatalf("the new access token: %v", err)
		}

		// Reusing the first refresh token revokes the whole family.
		third := &store.OAuthToken{AccessHash: hash("a3"), RefreshHash: hash("r3"),
			ExpiresAt: later.Add(time.Hour), RefreshExpiresAt: later.Add(time.Hour)}
		wantCode(t, svc.RotateRefreshToken(ctx, hash("r1"), "client-a", third, later), hypertube.EFORBIDDEN)
		_, err := svc.FindAccessToken(ctx, hash("a2"), later)
		wantCode(t, err, hypertube.ENOTFOUND)
		wantCode(t, svc.RotateRefreshToken(ctx, hash("r2"), "client-a", third, later), hypertube.ENOTFOUND)

		// An expired refresh token, or one revoked by its owner, is unknown.
		old := accessToken(hash("a4"), hash("r4"), "client-a", alice.ID)
		if err := svc.CreateToken(ctx, old); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.RotateRefreshToken(ctx, hash("r4"), "client-a", third, old.RefreshExpiresAt), hypertube.ENOTFOUND)
		if err := svc.RevokeToken(ctx, hash("r4"), "client-a", later); err != nil {
			t.Fatal(err)
		}
		wantCode(t, svc.RotateRefreshToken(ctx, hash("r4"), "client-a", third, later), hypertube.ENOTFOUND)
		wantCode(t, svc.RotateRefreshToken(ctx, hash("r9"), "client-a", third, later), hypertube.ENOTFOUND)
	})
}

func TestDeleteExpiredOAuth(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		users := store.NewUserService(db)
		alice := createUser(t, users, user("alice"))
		svc := store.NewOAuthService(db)
		createClient(t, svc, alice.ID, "client-a")
		for _, tok := range []*store.OAuthToken{
			accessToken(hash("a"), "", "client-a", alice.ID),
			accessToken(hash("b"), hash("r"), "client-a", alice.ID),
		} {
			if err := svc.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		code := &store.OAuthCode{Hash: hash("c"), ClientID: "client-a", UserID: alice.ID,
			CodeChallenge: "x", ExpiresAt: oauthNow.Add(time.Minute)}
		if err := svc.CreateCode(ctx, code); err != nil {
			t.Fatal(err)
		}
		// Two hours on: the code and the bare access token go; the one with
		// a living refresh token stays.
		n, err := svc.DeleteExpiredOAuth(ctx, oauthNow.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("deleted %d rows, want 2", n)
		}
		next := &store.OAuthToken{AccessHash: hash("d"), ExpiresAt: oauthNow.Add(3 * time.Hour)}
		if err := svc.RotateRefreshToken(ctx, hash("r"), "client-a", next, oauthNow.Add(2*time.Hour)); err != nil {
			t.Errorf("the kept refresh token: %v", err)
		}

		// Deleting the user takes their apps and tokens along.
		if err := users.DeleteUser(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		_, err = svc.FindClient(ctx, "client-a")
		wantCode(t, err, hypertube.ENOTFOUND)
		_, err = svc.FindAccessToken(ctx, hash("d"), oauthNow)
		wantCode(t, err, hypertube.ENOTFOUND)
		var rows int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM oauth_tokens`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 0 {
			t.Errorf("%d token rows outlived their user", rows)
		}
	})
}
