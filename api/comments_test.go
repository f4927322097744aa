package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
)

func TestPostComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		m := e.movie("Sintel", 1)
		tok := e.rawToken(alice)

		r := e.do("POST", "/api/comments", bearer(tok), jsonBody(map[string]any{"comment": "  <b>Great</b> film!\n", "movie_id": m.ID})).want(201)
		if r.JSON["content"] != "<b>Great</b> film!" || r.JSON["author_username"] != "alice" ||
			r.JSON["movie_id"] != float64(m.ID) || r.Header.Get("Location") != fmt.Sprintf("/api/comments/%v", r.JSON["id"]) {
			t.Errorf("posted: %s, Location %q", r.Body, r.Header.Get("Location"))
		}
		if _, err := time.Parse(time.RFC3339, r.JSON["created_at"].(string)); err != nil {
			t.Errorf("created_at: %v", err)
		}
		r = e.do("POST", fmt.Sprintf("/api/movies/%d/comments", m.ID), bearer(tok), jsonBody(map[string]any{"comment": "Second."})).want(201)
		if r.JSON["movie_id"] != float64(m.ID) {
			t.Errorf("posted on the film: %s", r.Body)
		}
		e.do("POST", "/api/movies/999999/comments", bearer(tok), jsonBody(map[string]any{"comment": "x"})).want(404)

		tests := []struct {
			name, path string
			body       map[string]any
			field      string
		}{
			{"empty", "/api/comments", map[string]any{"comment": "   ", "movie_id": m.ID}, "comment"},
			{"missing", "/api/comments", map[string]any{"movie_id": m.ID}, "comment"},
			{"too long", "/api/comments", map[string]any{"comment": strings.Repeat("é", hypertube.MaxCommentLength+1), "movie_id": m.ID}, "comment"},
			{"control", "/api/comments", map[string]any{"comment": "a\x00b", "movie_id": m.ID}, "comment"},
			{"no film", "/api/comments", map[string]any{"comment": "x"}, "movie_id"},
			{"unknown film", "/api/comments", map[string]any{"comment": "x", "movie_id": 999999}, "movie_id"},
			{"other film", fmt.Sprintf("/api/movies/%d/comments", m.ID), map[string]any{"comment": "x", "movie_id": m.ID + 1}, "movie_id"},
		}
		for _, tt := range tests {
			r := e.do("POST", tt.path, bearer(tok), jsonBody(tt.body)).want(422)
			if r.field(tt.field) == "" {
				t.Errorf("%s: %s, want a message for %s", tt.name, r.Body, tt.field)
			}
		}
		// Exactly the longest comment is fine.
		e.do("POST", "/api/comments", bearer(tok), jsonBody(map[string]any{"comment": strings.Repeat("é", hypertube.MaxCommentLength), "movie_id": m.ID})).want(201)
	})
}

func TestListComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice := e.user("alice")
		sintel, bunny := e.movie("Sintel", 1), e.movie("Big Buck Bunny", 2)
		var want []string
		for i := range 5 {
			m := sintel
			if i%2 == 1 {
				m = bunny
			}
			c := e.comment(alice, m, fmt.Sprintf("comment %d", i))
			want = append([]string{c.Body}, want...) // newest first
		}
		tok := e.rawToken(alice)

		var got []string
		for path := "/api/comments?limit=2"; path != ""; {
			r := e.do("GET", path, bearer(tok)).want(200)
			for _, it := range r.items() {
				got = append(got, it.(map[string]any)["content"].(string))
			}
			path, _ = r.JSON["next"].(string)
			if len(got) > 10 {
				t.Fatal("pagination does not end")
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("latest: %v, want %v", got, want)
		}

		r := e.do("GET", fmt.Sprintf("/api/movies/%d/comments", bunny.ID), bearer(tok)).want(200)
		if len(r.items()) != 2 || r.items()[0].(map[string]any)["content"] != "comment 3" {
			t.Errorf("Bunny's comments: %s", r.Body)
		}
		e.do("GET", "/api/movies/999999/comments", bearer(tok)).want(404)
		e.do("GET", "/api/comments?cursor=bTEw", bearer(tok)).want(400)
		e.do("GET", fmt.Sprintf("/api/movies/%d/comments?limit=500", bunny.ID), bearer(tok)).want(400)

		// A deleted author leaves the comment, without a name.
		bob := e.user("bob")
		c := e.comment(bob, sintel, "Bye.")
		if err := e.users.DeleteUser(t.Context(), bob.ID); err != nil {
			t.Fatal(err)
		}
		r = e.do("GET", fmt.Sprintf("/api/comments/%d", c.ID), bearer(tok)).want(200)
		if r.JSON["author_id"] != nil || r.JSON["author_username"] != nil || r.JSON["content"] != "Bye." {
			t.Errorf("orphan comment: %s", r.Body)
		}
	})
}

func TestEditComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		m := e.movie("Sintel", 1)
		c := e.comment(alice, m, "First.")
		aliceTok, bobTok := e.rawToken(alice), e.rawToken(bob)
		path := fmt.Sprintf("/api/comments/%d", c.ID)

		r := e.do("GET", path, bearer(bobTok)).want(200)
		if r.JSON["content"] != "First." || r.JSON["author_id"] != float64(alice.ID) {
			t.Errorf("get: %s", r.Body)
		}
		if r := e.do("PATCH", path, bearer(bobTok), jsonBody(map[string]any{"comment": "Hacked."})).want(403); r.errorCode() != "forbidden" {
			t.Errorf("Bob editing: %s", r.Body)
		}
		e.do("DELETE", path, bearer(bobTok)).want(403)

		r = e.do("PATCH", path, bearer(aliceTok), jsonBody(map[string]any{"comment": "Edited."})).want(200)
		if r.JSON["content"] != "Edited." {
			t.Errorf("edited: %s", r.Body)
		}
		e.do("PATCH", path, bearer(aliceTok), jsonBody(map[string]any{"comment": ""})).want(422)
		e.do("PATCH", path, bearer(aliceTok), jsonBody(map[string]any{"comment": "x", "movie_id": m.ID + 1})).want(422)
		if got := e.do("GET", path, bearer(aliceTok)).JSON["content"]; got != "Edited." {
			t.Errorf("after refused edits: %v", got)
		}

		e.do("DELETE", path, bearer(aliceTok)).want(204)
		e.do("GET", path, bearer(aliceTok)).want(404)
		e.do("PATCH", path, bearer(aliceTok), jsonBody(map[string]any{"comment": "x"})).want(404)
	})
}
