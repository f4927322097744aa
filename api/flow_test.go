package api_test

import (
	"context"
	"fmt"
	"testing"
)

// TestThirdPartyFlow walks what a script does with the API: its owner
// registers it on the profile (api.Clients), it gets a token with its id and
// secret, lists films, comments, edits and deletes its comment, and cannot
// touch someone else's.
func TestThirdPartyFlow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		alice, bob := e.user("alice"), e.user("bob")
		sintel := e.movie("Sintel", 1)
		bobs := e.comment(bob, sintel, "Bob was here.")

		clientID, secret, err := e.clients.Create(ctx, alice.ID, "Alice's script", nil)
		if err != nil {
			t.Fatal(err)
		}
		r := e.do("POST", "/oauth/token", basicAuth(clientID, secret), form("grant_type", "client_credentials")).want(200)
		token := r.JSON["access_token"].(string)

		r = e.do("GET", "/api/movies", bearer(token)).want(200)
		first := r.items()[0].(map[string]any)
		if first["name"] != "Sintel" {
			t.Fatalf("movies: %s", r.Body)
		}
		movieID := first["id"]

		r = e.do("POST", "/api/comments", bearer(token), jsonBody(map[string]any{"comment": "Posted by a script.", "movie_id": movieID})).want(201)
		location := r.Header.Get("Location")
		if r.JSON["author_username"] != "alice" {
			t.Errorf("the comment is not Alice's: %s", r.Body)
		}
		r = e.do("PATCH", location, bearer(token), jsonBody(map[string]any{"comment": "Edited by a script."})).want(200)
		if r.JSON["content"] != "Edited by a script." {
			t.Errorf("edit: %s", r.Body)
		}
		r = e.do("GET", fmt.Sprintf("/api/movies/%v", movieID), bearer(token)).want(200)
		if r.JSON["comments_count"] != float64(2) {
			t.Errorf("comments_count: %s", r.Body)
		}
		e.do("DELETE", location, bearer(token)).want(204)
		e.do("GET", location, bearer(token)).want(404)

		r = e.do("PATCH", fmt.Sprintf("/api/comments/%d", bobs.ID), bearer(token), jsonBody(map[string]any{"comment": "Not yours."})).want(403)
		if r.errorCode() != "forbidden" {
			t.Errorf("editing Bob's: %s", r.Body)
		}
	})
}
