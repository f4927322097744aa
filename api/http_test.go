package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
	"github.com/hypertube/hypertube/auth"
)

// operation is one route of the API with a request that would succeed.
type operation struct {
	method, path string
	body         option // nil: no body
	public       bool
}

// fixture is a small library: Alice's comment on a film, and the routes.
type fixture struct {
	*env
	alice, bob string // tokens
	aliceID    int64
	movieID    int64
	commentID  int64
	ops        []operation
}

func newFixture(e *env) *fixture {
	alice, bob := e.user("alice"), e.user("bob")
	m := e.movie("Sintel", 1)
	c := e.comment(alice, m, "Lovely dragon.")
	f := &fixture{env: e, alice: e.rawToken(alice), bob: e.rawToken(bob), aliceID: alice.ID, movieID: m.ID, commentID: c.ID}
	user := fmt.Sprintf("/api/users/%d", alice.ID)
	movie := fmt.Sprintf("/api/movies/%d", m.ID)
	comment := fmt.Sprintf("/api/comments/%d", c.ID)
	f.ops = []operation{
		{"GET", "/api/users", nil, false},
		{"GET", user, nil, false},
		{"PATCH", user, jsonBody(map[string]any{"first_name": "Alice"}), false},
		{"GET", "/api/movies", nil, true},
		{"POST", "/api/movies", jsonBody(map[string]any{"magnet": "magnet:?xt=urn:btih:" + strings.Repeat("ab", 20)}), false},
		{"GET", movie, nil, false},
		{"DELETE", movie, nil, false},
		{"GET", movie + "/comments", nil, false},
		{"POST", movie + "/comments", jsonBody(map[string]any{"comment": "Again."}), false},
		{"GET", "/api/comments", nil, false},
		{"POST", "/api/comments", jsonBody(map[string]any{"comment": "Hi.", "movie_id": m.ID}), false},
		{"GET", comment, nil, false},
		{"PATCH", comment, jsonBody(map[string]any{"comment": "Edited."}), false},
		{"DELETE", comment, nil, false},
	}
	return f
}

func (op operation) opts(extra ...option) []option {
	if op.body != nil {
		extra = append([]option{op.body}, extra...)
	}
	return extra
}

func TestUnauthorized(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		f := newFixture(e)
		for _, op := range f.ops {
			if op.public {
				e.do(op.method, op.path).want(200)
			} else {
				r := e.do(op.method, op.path, op.opts()...).want(401)
				if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="hypertube"` {
					t.Errorf("%s %s without a token: WWW-Authenticate %q", op.method, op.path, got)
				}
				if r.errorCode() != "unauthorized" {
					t.Errorf("%s %s without a token: code %q", op.method, op.path, r.errorCode())
				}
			}
			for _, bad := range []option{bearer("hta_not-a-token"), header("Authorization", "Basic YTpi"), bearer("")} {
				r := e.do(op.method, op.path, op.opts(bad)...).want(401)
				if got := r.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="invalid_token"`) || !strings.HasPrefix(got, `Bearer realm="hypertube"`) {
					t.Errorf("%s %s with a bad token: WWW-Authenticate %q", op.method, op.path, got)
				}
				if r.errorCode() != "invalid_token" {
					t.Errorf("%s %s with a bad token: code %q", op.method, op.path, r.errorCode())
				}
			}
		}
		// An hour later the tokens have expired.
		e.do("GET", "/api/users", bearer(f.alice)).want(200)
		e.clock.Add(api.AccessTokenLifetime)
		r := e.do("GET", "/api/users", bearer(f.alice)).want(401)
		if r.errorCode() != "invalid_token" {
			t.Errorf("expired token: code %q", r.errorCode())
		}
	})
}

func TestRequestBodies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		f := newFixture(e)
		for _, op := range f.ops {
			if op.body == nil {
				continue
			}
			tests := []struct {
				name   string
				body   option
				status int
				code   string
			}{
				{"form", form("comment", "x"), 415, "unsupported_media_type"},
				{"no type", body("", []byte(`{}`)), 415, "unsupported_media_type"},
				{"malformed", body("application/json", []byte(`{"comment":`)), 400, "invalid"},
				{"two values", body("application/json", []byte(`{} {}`)), 400, "invalid"},
				{"unknown field", body("application/json", []byte(`{"nonsense":1}`)), 400, "invalid"},
				{"wrong type", body("application/json", []byte(`{"comment":12,"magnet":12,"username":12}`)), 400, "invalid"},
				{"too large", body("application/json", []byte(`{"comment":"`+strings.Repeat("a", 70<<10)+`"}`)), 413, "too_large"},
			}
			for _, tt := range tests {
				r := e.do(op.method, op.path, tt.body, bearer(f.alice))
				if r.Status != tt.status || r.errorCode() != tt.code {
					t.Errorf("%s %s, %s body: %d %q, want %d %q (%s)", op.method, op.path, tt.name,
						r.Status, r.errorCode(), tt.status, tt.code, r.Body)
				}
			}
		}
	})
}

func TestRateLimit(t *testing.T) {
	limit := func(c *api.Config) { c.Limiter = auth.NewLimiter(2, time.Hour) }
	forEachBackendWith(t, limit, func(t *testing.T, e *env) {
		f := newFixture(e)
		alice, err := e.users.FindUserByID(t.Context(), f.aliceID)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range f.ops {
			tok := e.rawToken(alice)
			for range 2 {
				e.do("GET", "/api/users", bearer(tok)).want(200)
			}
			r := e.do(op.method, op.path, op.opts(bearer(tok))...).want(429)
			if r.Header.Get("Retry-After") == "" || r.errorCode() != "rate_limited" {
				t.Errorf("%s %s: 429 without Retry-After or code (%q)", op.method, op.path, r.errorCode())
			}
		}
		// The limit is per token: another one still works.
		e.do("GET", "/api/users", bearer(f.bob)).want(200)

		// The OAuth endpoints are limited per address.
		for _, path := range []string{"/oauth/token", "/oauth/revoke"} {
			var r *response
			for range 3 {
				r = e.do("POST", path, form("grant_type", "client_credentials"))
			}
			r.want(429)
			if r.JSON["error"] != "slow_down" {
				t.Errorf("%s: error %v, want slow_down", path, r.JSON["error"])
			}
		}
	})
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	// Allowed to remove films, so that removing none answers 404.
	anyoneRemoves := func(c *api.Config) { c.CanRemoveMovies = func(*hypertube.User) bool { return true } }
	forEachBackendWith(t, anyoneRemoves, func(t *testing.T, e *env) {
		f := newFixture(e)
		r := e.do("GET", "/api/nothing", bearer(f.alice)).want(404)
		if r.errorCode() != "not_found" {
			t.Errorf("unknown path: code %q", r.errorCode())
		}
		r = e.do("PUT", fmt.Sprintf("/api/users/%d", f.aliceID), bearer(f.alice)).want(405)
		if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "PATCH") {
			t.Errorf("Allow %q, want GET and PATCH", allow)
		}
		if r.errorCode() != "method_not_allowed" || !strings.Contains(r.JSON["error"].(map[string]any)["message"].(string), "PATCH") {
			t.Errorf("405 body %s", r.Body)
		}
		e.do("DELETE", "/api/users", bearer(f.alice)).want(405)
		e.do("GET", "/oauth/token").want(405)

		// Every {id} route answers 404 for ids that do not exist or are not
		// ids at all.
		for _, op := range f.ops {
			for _, id := range []string{"999999", "abc", "-1", "0"} {
				path := strings.NewReplacer(
					fmt.Sprintf("/users/%d", f.aliceID), "/users/"+id,
					fmt.Sprintf("/movies/%d", f.movieID), "/movies/"+id,
					fmt.Sprintf("/comments/%d", f.commentID), "/comments/"+id,
				).Replace(op.path)
				if path == op.path {
					continue
				}
				r := e.do(op.method, path, op.opts(bearer(f.alice))...)
				if r.Status != 404 || r.errorCode() != "not_found" {
					t.Errorf("%s %s: %d %s, want 404", op.method, path, r.Status, r.Body)
				}
			}
		}
	})
}

func TestETags(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		f := newFixture(e)
		paths := []string{"/api/users", fmt.Sprintf("/api/users/%d", f.aliceID), "/api/movies",
			fmt.Sprintf("/api/movies/%d", f.movieID), fmt.Sprintf("/api/movies/%d/comments", f.movieID),
			"/api/comments", fmt.Sprintf("/api/comments/%d", f.commentID), "/api/openapi.json", "/api/docs"}
		for _, path := range paths {
			r := e.do("GET", path, bearer(f.alice)).want(200)
			etag := r.Header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) {
				t.Errorf("GET %s: ETag %q", path, etag)
				continue
			}
			e.do("GET", path, bearer(f.alice), header("If-None-Match", etag)).want(304)
			e.do("GET", path, bearer(f.alice), header("If-None-Match", `"other", W/`+etag)).want(304)
			e.do("GET", path, bearer(f.alice), header("If-None-Match", `"other"`)).want(200)
		}

		// A change gives a new ETag: the old one no longer matches.
		path := fmt.Sprintf("/api/comments/%d", f.commentID)
		old := e.do("GET", path, bearer(f.alice)).Header.Get("ETag")
		e.do("PATCH", path, bearer(f.alice), jsonBody(map[string]any{"comment": "Changed my mind."})).want(200)
		r := e.do("GET", path, bearer(f.alice), header("If-None-Match", old)).want(200)
		if r.Header.Get("ETag") == old {
			t.Error("the ETag did not change with the comment")
		}
		// Bob sees Alice's account without her email: another body, another tag.
		user := fmt.Sprintf("/api/users/%d", f.aliceID)
		own := e.do("GET", user, bearer(f.alice)).Header.Get("ETag")
		e.do("GET", user, bearer(f.bob), header("If-None-Match", own)).want(200)
	})
}

func TestDocs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		r := e.do("GET", "/api/openapi.json").want(200)
		if r.JSON["openapi"] != "3.1.0" {
			t.Errorf("openapi = %v", r.JSON["openapi"])
		}
		r = e.do("GET", "/api/docs").want(200)
		page := string(r.Body)
		for path, item := range obj(document, "paths") {
			for method := range item.(map[string]any) {
				if !strings.Contains(page, strings.ToUpper(method)+`</span> <span class="path">`+path+"</span>") {
					t.Errorf("the docs page does not show %s %s", strings.ToUpper(method), path)
				}
			}
		}
		for name := range obj(document, "components", "schemas") {
			if !strings.Contains(page, `id="schema-`+name+`"`) {
				t.Errorf("the docs page does not show the schema %s", name)
			}
		}
		if strings.Contains(page, "<script") || strings.Contains(page, "https://") {
			t.Error("the docs page loads scripts or remote resources")
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("docs CSP %q", csp)
		}
	})
}
