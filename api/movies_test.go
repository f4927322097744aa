package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
)

func TestListMovies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		for i, title := range []string{"Sintel", "Big Buck Bunny", "Tears of Steel"} {
			e.movie(title, i+1)
		}
		// No token needed for the front page.
		r := e.do("GET", "/api/movies?limit=2").want(200)
		if len(r.items()) != 2 || r.items()[0].(map[string]any)["name"] != "Big Buck Bunny" {
			t.Errorf("first page: %s", r.Body)
		}
		next := r.JSON["next"].(string)
		r = e.do("GET", next).want(200)
		if len(r.items()) != 1 || r.items()[0].(map[string]any)["name"] != "Tears of Steel" || r.JSON["next"] != nil || r.Header.Get("Link") != "" {
			t.Errorf("last page: %s", r.Body)
		}
		r = e.do("GET", "/api/movies?q=steel").want(200)
		if len(r.items()) != 1 {
			t.Errorf("search: %s", r.Body)
		}
		e.do("GET", "/api/movies?q="+strings.Repeat("x", 201)).want(400)
		e.do("GET", "/api/movies?cursor=%21").want(400)
		tok := e.rawToken(e.user("alice"))
		e.do("GET", "/api/movies", bearer(tok)).want(200)
	})
}

func TestGetMovie(t *testing.T) {
	subtitles := func(c *api.Config) {
		c.Subtitles = func(_ context.Context, id int64) ([]api.Subtitle, error) {
			if id == 1 {
				return []api.Subtitle{{Language: "fr", Label: "Français"}}, nil
			}
			return nil, nil
		}
	}
	forEachBackendWith(t, subtitles, func(t *testing.T, e *env) {
		alice := e.user("alice")
		m := e.movie("Sintel", 1)
		bare := &hypertube.Movie{Title: "Unknown film", InfoHash: strings.Repeat("9", 40)}
		if err := e.movies.CreateMovie(context.Background(), bare); err != nil {
			t.Fatal(err)
		}
		e.comment(alice, m, "One.")
		e.comment(alice, m, "Two.")
		tok := e.rawToken(alice)

		r := e.do("GET", fmt.Sprintf("/api/movies/%d", m.ID), bearer(tok)).want(200)
		want := fmt.Sprintf(`{"id":%d,"name":"Sintel","imdb_rating":7.5,"year":2001,"length_minutes":91,"subtitles":[{"language":"fr","label":"Français"}],"comments_count":2}`, m.ID)
		if got := strings.TrimSpace(string(r.Body)); got != want {
			t.Errorf("film:\n got %s\nwant %s", got, want)
		}
		r = e.do("GET", fmt.Sprintf("/api/movies/%d", bare.ID), bearer(tok)).want(200)
		want = fmt.Sprintf(`{"id":%d,"name":"Unknown film","imdb_rating":null,"year":null,"length_minutes":null,"subtitles":[],"comments_count":0}`, bare.ID)
		if got := strings.TrimSpace(string(r.Body)); got != want {
			t.Errorf("film without details:\n got %s\nwant %s", got, want)
		}
	})
}

// torrentFile returns a small valid .torrent named name.
func torrentFile(t *testing.T, name string) ([]byte, string) {
	t.Helper()
	info := metainfo.Info{Name: name, PieceLength: 16 << 10, Length: 5, Pieces: make([]byte, 20)}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	mi := metainfo.MetaInfo{InfoBytes: infoBytes}
	var buf bytes.Buffer
	if err := mi.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mi.HashInfoBytes().HexString()
}

func TestAddAndDeleteMovie(t *testing.T) {
	anyoneRemoves := func(c *api.Config) { c.CanRemoveMovies = func(*hypertube.User) bool { return true } }
	forEachBackendWith(t, anyoneRemoves, func(t *testing.T, e *env) {
		tok := e.rawToken(e.user("alice"))
		hash := strings.Repeat("ab", 20)
		magnet := "magnet:?xt=urn:btih:" + hash + "&dn=Elephants.Dream.2006.720p"

		r := e.do("POST", "/api/movies", bearer(tok), jsonBody(map[string]any{"magnet": magnet})).want(201)
		if r.JSON["name"] != "Elephants Dream 2006 720p" || r.Header.Get("Location") != fmt.Sprintf("/api/movies/%v", r.JSON["id"]) {
			t.Errorf("added: %s, Location %q", r.Body, r.Header.Get("Location"))
		}
		stored := must(e.movies.FindMovieByInfoHash(context.Background(), hash))
		if stored.Magnet != magnet || stored.Source != "user" {
			t.Errorf("stored %+v", stored)
		}
		// The same torrent again is the same film.
		again := e.do("POST", "/api/movies", bearer(tok), jsonBody(map[string]any{"magnet": "magnet:?xt=urn:btih:" + hash})).want(200)
		if again.JSON["id"] != r.JSON["id"] {
			t.Errorf("added twice: %s", again.Body)
		}

		data, torrentHash := torrentFile(t, "Cosmos.Laundromat.2015")
		r = e.do("POST", "/api/movies", bearer(tok), multipartFile("torrent", "c.torrent", data)).want(201)
		if r.JSON["name"] != "Cosmos Laundromat 2015" {
			t.Errorf("from .torrent: %s", r.Body)
		}
		if m := must(e.movies.FindMovieByInfoHash(context.Background(), torrentHash)); m.Magnet != "magnet:?xt=urn:btih:"+torrentHash {
			t.Errorf("magnet of an uploaded torrent: %q", m.Magnet)
		}

		for name, opt := range map[string]option{
			"not a magnet":     jsonBody(map[string]any{"magnet": "https://example.org/x.torrent"}),
			"empty magnet":     jsonBody(map[string]any{}),
			"bad hash":         jsonBody(map[string]any{"magnet": "magnet:?xt=urn:btih:zz"}),
			"not a torrent":    multipartFile("torrent", "x.torrent", []byte("hello")),
			"no torrent field": multipartFile("file", "x.torrent", data),
		} {
			if r := e.do("POST", "/api/movies", bearer(tok), opt).want(422); r.errorCode() != "validation_failed" {
				t.Errorf("%s: %s", name, r.Body)
			}
		}
		big := bytes.Repeat([]byte("x"), 5<<20)
		e.do("POST", "/api/movies", bearer(tok), multipartFile("torrent", "big.torrent", big)).want(413)
		e.do("POST", "/api/movies", bearer(tok), body("multipart/form-data; boundary=x", []byte("garbage"))).want(400)

		id := int64(r.JSON["id"].(float64))
		e.do("DELETE", fmt.Sprintf("/api/movies/%d", id), bearer(tok)).want(204)
		e.do("GET", fmt.Sprintf("/api/movies/%d", id), bearer(tok)).want(404)
		e.do("DELETE", fmt.Sprintf("/api/movies/%d", id), bearer(tok)).want(404)
		if d := e.engine.droppedHashes(); len(d) != 1 || d[0] != torrentHash {
			t.Errorf("dropped %v, want %s", d, torrentHash)
		}
	})
}

func TestManageMoviesForbidden(t *testing.T) {
	onlyAdmins := func(c *api.Config) {
		c.CanManageMovies = func(u *hypertube.User) bool { return u.Username == "admin" }
		c.CanRemoveMovies = func(u *hypertube.User) bool { return u.Username == "admin" }
	}
	forEachBackendWith(t, onlyAdmins, func(t *testing.T, e *env) {
		m := e.movie("Sintel", 1)
		tok := e.rawToken(e.user("alice"))
		admin := e.rawToken(e.user("admin"))
		magnet := jsonBody(map[string]any{"magnet": "magnet:?xt=urn:btih:" + strings.Repeat("cd", 20)})
		if r := e.do("POST", "/api/movies", bearer(tok), magnet).want(403); r.errorCode() != "forbidden" {
			t.Errorf("add: %s", r.Body)
		}
		e.do("DELETE", fmt.Sprintf("/api/movies/%d", m.ID), bearer(tok)).want(403)
		e.do("POST", "/api/movies", bearer(admin), magnet).want(201)
		e.do("DELETE", fmt.Sprintf("/api/movies/%d", m.ID), bearer(admin)).want(204)
	})
}

// By default anyone signed in adds films, as on the site, and nobody
// removes them.
func TestRemoveMovieNeedsAnAdministrator(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		m := e.movie("Sintel", 1)
		tok := e.rawToken(e.user("alice"))
		if r := e.do("DELETE", fmt.Sprintf("/api/movies/%d", m.ID), bearer(tok)).want(403); !strings.Contains(r.errorMessage(), "administrators") {
			t.Errorf("delete: %s", r.Body)
		}
		e.do("GET", fmt.Sprintf("/api/movies/%d", m.ID), bearer(tok)).want(200)
		e.do("POST", "/api/movies", bearer(tok), jsonBody(map[string]any{"magnet": "magnet:?xt=urn:btih:" + strings.Repeat("cd", 20)})).want(201)
	})
}

func TestAddMovieWithoutEngine(t *testing.T) {
	noEngine := func(c *api.Config) {
		c.Engine = nil
		c.CanRemoveMovies = func(*hypertube.User) bool { return true }
	}
	forEachBackendWith(t, noEngine, func(t *testing.T, e *env) {
		tok := e.rawToken(e.user("alice"))
		r := e.do("POST", "/api/movies", bearer(tok), jsonBody(map[string]any{"magnet": "magnet:?xt=urn:btih:" + strings.Repeat("cd", 20)})).want(503)
		if r.errorCode() != "unavailable" {
			t.Errorf("%s", r.Body)
		}
		// Deleting still works: there is no torrent to drop.
		m := e.movie("Sintel", 1)
		e.do("DELETE", fmt.Sprintf("/api/movies/%d", m.ID), bearer(tok)).want(204)
	})
}
