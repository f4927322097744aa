package subtitles_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/subtitles"
)

// fakeAPI is shaped like the OpenSubtitles REST API v1.
type fakeAPI struct {
	t         *testing.T
	srv       *httptest.Server
	logins    atomic.Int32
	token     atomic.Value // the token currently valid
	quotaLeft atomic.Int32
	busy      atomic.Bool // answer 429
	lastQuery atomic.Value
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t}
	f.quotaLeft.Store(2)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Username, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if body.Username != "neo" || body.Password != "matrix" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"Error, invalid username/password","status":401}`)
			return
		}
		tok := "tok" + string(rune('0'+f.logins.Add(1)))
		f.token.Store(tok)
		// The API names the host to use from now on.
		json.NewEncoder(w).Encode(map[string]any{"token": tok, "base_url": strings.TrimPrefix(f.srv.URL, "http://"), "status": 200,
			"user": map[string]any{"allowed_downloads": 20}})
	})
	mux.HandleFunc("GET /api/v1/subtitles", func(w http.ResponseWriter, r *http.Request) {
		f.lastQuery.Store(r.URL.RawQuery)
		if f.busy.Load() {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"message":"Throttle limit reached. Retry later."}`)
			return
		}
		io.WriteString(w, `{"total_count":2,"data":[
			{"id":"1","type":"subtitle","attributes":{"language":"en","download_count":10,"release":"Other.Release","moviehash_match":false,
				"files":[{"file_id":111,"file_name":"other.srt"}]}},
			{"id":"2","type":"subtitle","attributes":{"language":"fr","download_count":3,"release":"Same.File","moviehash_match":true,
				"files":[{"file_id":222,"file_name":"same.srt"}]}}]}`)
	})
	mux.HandleFunc("POST /api/v1/download", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+f.token.Load().(string) {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"You cannot consume this service"}`)
			return
		}
		var body struct {
			FileID int64 `json:"file_id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		left := f.quotaLeft.Add(-1)
		if left < 0 {
			w.WriteHeader(http.StatusNotAcceptable)
			io.WriteString(w, `{"requests":21,"remaining":0,"message":"You have downloaded your allowed 20 subtitles for 24h.Your quota will be renewed in 05 hours and 12 minutes (2026-11-27 00:00:00 UTC) ","reset_time":"05 hours and 12 minutes"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"link": f.srv.URL + "/files/" + "x.srt", "file_name": "x.srt", "requests": 1, "remaining": left})
	})
	mux.HandleFunc("GET /files/x.srt", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "1\n00:00:01,000 --> 00:00:02,000\nFrom OpenSubtitles\n")
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/files/x.srt" && (r.Header.Get("Api-Key") != "key" || r.Header.Get("User-Agent") != "Hypertube test v1") {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"missing Api-Key or User-Agent"}`)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) client() *subtitles.OpenSubtitles {
	return &subtitles.OpenSubtitles{BaseURL: f.srv.URL + "/api/v1", APIKey: "key", Username: "neo", Password: "matrix", UserAgent: "Hypertube test v1"}
}

func TestOpenSubtitlesSearchDownload(t *testing.T) {
	f := newFakeAPI(t)
	c := f.client()
	ctx := context.Background()
	results, err := c.Search(ctx, subtitles.Query{ImdbID: "tt0133093", MovieHash: "8E245D9679D31E12", Languages: []string{"fr", "EN", "en"}})
	if err != nil {
		t.Fatal(err)
	}
	if q := f.lastQuery.Load(); q != "imdb_id=133093&languages=en%2Cfr&moviehash=8e245d9679d31e12" {
		t.Errorf("query %q", q)
	}
	if len(results) != 2 || results[0].FileID != 222 || !results[0].HashMatch || results[1].Language != "en" {
		t.Fatalf("results %+v, want the hash match first", results)
	}
	d, err := c.Download(ctx, results[0].FileID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Remaining != 1 {
		t.Errorf("remaining %d", d.Remaining)
	}
	body, err := c.Fetch(ctx, d)
	if err != nil || !strings.Contains(string(body), "From OpenSubtitles") {
		t.Fatalf("fetch: %q, %v", body, err)
	}
	if n := f.logins.Load(); n != 1 {
		t.Errorf("%d logins, want 1 for a search and a download", n)
	}

	// An expired token means one more login, not an error.
	f.token.Store("rotated")
	if _, err := c.Download(ctx, 222); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if n := f.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}

	// The daily quota is used up: 406 with the API's message.
	_, err = c.Download(ctx, 222)
	var api *subtitles.APIError
	if hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE || !errors.As(err, &api) || api.Status != http.StatusNotAcceptable {
		t.Fatalf("past the quota: %v, want EUNAVAILABLE with a 406", err)
	}
	if msg := hypertube.ErrorMessage(err); !strings.Contains(msg, "quota") || !strings.Contains(msg, "renewed in 05 hours") {
		t.Errorf("quota message %q", msg)
	}
}

func TestOpenSubtitlesErrors(t *testing.T) {
	f := newFakeAPI(t)
	ctx := context.Background()
	f.busy.Store(true)
	_, err := f.client().Search(ctx, subtitles.Query{ImdbID: "tt0133093"})
	var api *subtitles.APIError
	if hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE || !errors.As(err, &api) || api.RetryAfter != 7*time.Second {
		t.Fatalf("429: %v, want EUNAVAILABLE with Retry-After 7s", err)
	}
	if msg := hypertube.ErrorMessage(err); !strings.Contains(msg, "7s") {
		t.Errorf("429 message %q", msg)
	}

	bad := f.client()
	bad.Password = "wrong"
	if _, err := bad.Search(ctx, subtitles.Query{ImdbID: "tt1"}); hypertube.ErrorCode(err) != hypertube.EUNAVAILABLE || !errors.As(err, &api) || api.Status != 401 {
		t.Errorf("bad password: %v", err)
	}
	noUA := f.client()
	noUA.UserAgent = ""
	if _, err := noUA.Search(ctx, subtitles.Query{ImdbID: "tt1"}); !errors.As(err, &api) || api.Status != 403 {
		t.Errorf("the default User-Agent reached the fake API's check: %v", err)
	}
	for _, q := range []subtitles.Query{{}, {ImdbID: "tt12x"}, {MovieHash: "abc"}} {
		if _, err := f.client().Search(ctx, q); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("Search(%+v): %v, want EINVALID", q, err)
		}
	}
}

func TestOpenSubtitlesFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := subtitles.OpenSubtitlesFromEnv(env(nil))
	if c != nil || err != nil {
		t.Errorf("no key: %v, %v; want nothing", c, err)
	}
	c, err = subtitles.OpenSubtitlesFromEnv(env(map[string]string{"HYPERTUBE_OPENSUBTITLES_API_KEY": "k",
		"HYPERTUBE_OPENSUBTITLES_USERNAME": "u", "HYPERTUBE_OPENSUBTITLES_PASSWORD": "p"}))
	if err != nil || c.APIKey != "k" || c.Username != "u" || c.Password != "p" {
		t.Errorf("full config: %+v, %v", c, err)
	}
	if _, err := subtitles.OpenSubtitlesFromEnv(env(map[string]string{"HYPERTUBE_OPENSUBTITLES_API_KEY": "k"})); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("key without account: %v, want EINVALID", err)
	}
}
