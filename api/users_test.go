package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestListUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		var names []string
		for i := range 5 {
			names = append(names, e.user(fmt.Sprintf("user%d", i)).Username)
		}
		tok := e.rawToken(must(e.users.FindUserByLogin(context.Background(), "user0")))

		var got []string
		path := "/api/users?limit=2"
		for pages := 0; path != ""; pages++ {
			if pages > 3 {
				t.Fatal("pagination does not end")
			}
			r := e.do("GET", path, bearer(tok)).want(200)
			for _, it := range r.items() {
				u := it.(map[string]any)
				got = append(got, u["username"].(string))
				if len(u) != 2 {
					t.Errorf("list item %v has more than id and username", u)
				}
			}
			next, _ := r.JSON["next"].(string)
			if link := r.Header.Get("Link"); (next == "") != (link == "") || (next != "" && link != "<"+next+`>; rel="next"`) {
				t.Errorf("next %q, Link %q", next, link)
			}
			path = next
		}
		if strings.Join(got, ",") != strings.Join(names, ",") {
			t.Errorf("pages gave %v, want %v", got, names)
		}
		for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=zzz", "cursor=" + "bTEw"} {
			if r := e.do("GET", "/api/users?"+q, bearer(tok)).want(400); r.errorCode() != "invalid" {
				t.Errorf("%s: %s", q, r.Body)
			}
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestGetUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		alice.Picture = strings.Repeat("a", 32) + ".jpg"
		if err := e.users.UpdateUser(context.Background(), alice); err != nil {
			t.Fatal(err)
		}
		tok := e.rawToken(alice)
		own := e.do("GET", fmt.Sprintf("/api/users/%d", alice.ID), bearer(tok)).want(200)
		if own.JSON["email"] != "alice@example.org" || own.JSON["picture_url"] != fmt.Sprintf("/users/%d/picture", alice.ID) ||
			own.JSON["first_name"] != "First" {
			t.Errorf("own account: %s", own.Body)
		}
		other := e.do("GET", fmt.Sprintf("/api/users/%d", bob.ID), bearer(tok)).want(200)
		if _, ok := other.JSON["email"]; ok || other.JSON["picture_url"] != nil || other.JSON["username"] != "bob" {
			t.Errorf("someone else's account: %s", other.Body)
		}
	})
}

func TestUpdateUser(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		alice, bob := e.user("alice"), e.user("bob")
		tok := e.rawToken(alice)
		path := fmt.Sprintf("/api/users/%d", alice.ID)

		r := e.do("PATCH", path, bearer(tok), jsonBody(map[string]any{"username": "alice2", "first_name": "Alice", "last_name": "Liddell"})).want(200)
		if r.JSON["username"] != "alice2" || r.JSON["first_name"] != "Alice" || r.JSON["last_name"] != "Liddell" || r.JSON["email"] != alice.Email {
			t.Errorf("after PATCH: %s", r.Body)
		}
		stored := must(e.users.FindUserByID(context.Background(), alice.ID))
		if stored.Username != "alice2" || stored.LastName != "Liddell" {
			t.Errorf("stored %+v", stored)
		}

		// Someone else's account: 403.
		if r := e.do("PATCH", fmt.Sprintf("/api/users/%d", bob.ID), bearer(tok), jsonBody(map[string]any{"first_name": "X"})).want(403); r.errorCode() != "forbidden" {
			t.Errorf("other account: %s", r.Body)
		}

		tests := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"bad username", map[string]any{"username": "a b"}, "username"},
			{"taken username", map[string]any{"username": "BOB"}, "username"},
			{"bad email", map[string]any{"email": "nope", "current_password": password}, "email"},
			{"taken email", map[string]any{"email": "bob@example.org", "current_password": password}, "email"},
			{"email without password", map[string]any{"email": "new@example.org"}, "current_password"},
			{"password without current", map[string]any{"password": "Another-Good-Pass-9"}, "current_password"},
			{"wrong current password", map[string]any{"password": "Another-Good-Pass-9", "current_password": "nope"}, "current_password"},
			{"weak password", map[string]any{"password": "password", "current_password": password}, "password"},
			{"picture from elsewhere", map[string]any{"picture_url": "https://example.org/me.jpg"}, "picture_url"},
			{"picture not a string", map[string]any{"picture_url": 12}, "picture_url"},
			{"long name", map[string]any{"first_name": strings.Repeat("n", 101)}, "first_name"},
		}
		for _, tt := range tests {
			r := e.do("PATCH", path, bearer(tok), jsonBody(tt.body)).want(422)
			if r.errorCode() != "validation_failed" || r.field(tt.field) == "" {
				t.Errorf("%s: %s, want a message for %s", tt.name, r.Body, tt.field)
			}
		}

		// With the current password, email and password change.
		r = e.do("PATCH", path, bearer(tok), jsonBody(map[string]any{
			"email": "alice@new.example", "password": "Another-Good-Pass-9", "current_password": password, "picture_url": nil})).want(200)
		if r.JSON["email"] != "alice@new.example" {
			t.Errorf("email not changed: %s", r.Body)
		}
		stored = must(e.users.FindUserByID(context.Background(), alice.ID))
		if stored.PasswordHash == alice.PasswordHash || stored.PasswordHash == "" {
			t.Error("password not changed")
		}
	})
}
