package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
)

func TestClients(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice, bob := e.user("alice"), e.user("bob")

		id, secret, err := e.clients.Create(ctx, alice.ID, " Couch TV ", []string{"https://couch.example/cb", "", "https://couch.example/cb", "com.example.couch:/cb", "http://localhost:8000/cb"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, "htc_") || !strings.HasPrefix(secret, "hts_") || len(secret) < 40 {
			t.Errorf("id %q, secret %q", id, secret)
		}
		list, err := e.clients.List(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ClientID != id || list[0].Name != "Couch TV" || len(list[0].RedirectURIs) != 3 {
			t.Errorf("List = %+v", list)
		}
		if list, _ := e.clients.List(ctx, bob.ID); len(list) != 0 {
			t.Errorf("Bob sees %+v", list)
		}
		// The secret is stored hashed.
		var stored string
		if err := e.db.SQL().QueryRowContext(ctx, `SELECT secret_hash FROM oauth_clients WHERE client_id = $1`, id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == secret || strings.Contains(stored, secret) {
			t.Error("the secret is stored in clear")
		}

		for _, tt := range []struct {
			name string
			uris []string
		}{
			{"", nil},
			{"App", []string{"http://example.org/cb"}},
			{"App", []string{"https://example.org/cb#frag"}},
			{"App", []string{"/relative"}},
			{"App", []string{"javascript:alert(1)"}},
			{"App", []string{"https://user:pw@example.org/cb"}},
			{"App", []string{"https:///nohost"}},
		} {
			if _, _, err := e.clients.Create(ctx, alice.ID, tt.name, tt.uris); hypertube.ErrorCode(err) != hypertube.EINVALID || hypertube.ErrorMessage(err) == "" {
				t.Errorf("Create(%q, %v) = %v, want EINVALID", tt.name, tt.uris, err)
			}
		}

		if err := e.clients.Revoke(ctx, bob.ID, id); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			t.Errorf("Bob revoking Alice's app: %v", err)
		}
		if err := e.clients.Revoke(ctx, alice.ID, id); err != nil {
			t.Fatal(err)
		}
		if list, _ := e.clients.List(ctx, alice.ID); len(list) != 0 {
			t.Errorf("after revoking: %+v", list)
		}
	})
}
