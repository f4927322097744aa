package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/subtitles"
	"github.com/hypertube/hypertube/web"
)

// fakeOpenSubtitles answers like the REST API v1: login, search by IMDb
// id and language, download link, file. English comes in UTF-8, French in
// Latin-1, as old subtitle files do.
type fakeOpenSubtitles struct {
	*httptest.Server
	mu        sync.Mutex
	searches  []string // the languages asked for, one search each
	downloads int
}

var openSubsFiles = map[string]struct {
	id   int64
	data []byte
}{
	"en": {101, []byte("1\r\n00:00:01,000 --> 00:00:03,000\r\nHello from OpenSubtitles\r\n\r\n")},
	"fr": {102, []byte("1\r\n00:00:01,000 --> 00:00:03,000\r\nTr\xe8s bien, caf\xe9\r\n\r\n")},
}

func newFakeOpenSubtitles(t *testing.T) *fakeOpenSubtitles {
	t.Helper()
	f := &fakeOpenSubtitles{}
	mux := http.NewServeMux()
	authorised := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Api-Key") != "test-key" || r.Header.Get("Authorization") != "Bearer test-token" {
			http.Error(w, `{"message":"You cannot consume this service"}`, http.StatusUnauthorized)
			return false
		}
		return true
	}
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Username, Password string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Username != "vera" || body.Password != "secret" ||
			r.Header.Get("Api-Key") != "test-key" {
			http.Error(w, `{"message":"Invalid username/password"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"token":"test-token","status":200}`)
	})
	mux.HandleFunc("GET /subtitles", func(w http.ResponseWriter, r *http.Request) {
		if !authorised(w, r) {
			return
		}
		lang := r.URL.Query().Get("languages")
		f.mu.Lock()
		f.searches = append(f.searches, lang)
		f.mu.Unlock()
		file, ok := openSubsFiles[lang]
		if r.URL.Query().Get("imdb_id") != "133093" || !ok {
			fmt.Fprint(w, `{"total_count":0,"data":[]}`)
			return
		}
		fmt.Fprintf(w, `{"total_count":1,"data":[{"id":"1","type":"subtitle","attributes":{"language":%q,
			"download_count":5,"release":"Film","files":[{"file_id":%d,"file_name":"film.%s.srt"}]}}]}`, lang, file.id, lang)
	})
	mux.HandleFunc("POST /download", func(w http.ResponseWriter, r *http.Request) {
		if !authorised(w, r) {
			return
		}
		var body struct {
			FileID int64 `json:"file_id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.downloads++
		f.mu.Unlock()
		for lang, file := range openSubsFiles {
			if file.id == body.FileID {
				fmt.Fprintf(w, `{"link":%q,"file_name":"film.%s.srt","remaining":99}`, f.URL+"/files/"+lang+".srt", lang)
				return
			}
		}
		http.Error(w, `{"message":"no such file"}`, http.StatusNotFound)
	})
	mux.HandleFunc("GET /files/{name}", func(w http.ResponseWriter, r *http.Request) {
		file, ok := openSubsFiles[strings.TrimSuffix(r.PathValue("name"), ".srt")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(file.data)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// TestPlayListsOpenSubtitles: a French viewer's /play lists OpenSubtitles'
// French subtitle, on by default, and the English one; both are served as
// UTF-8 WebVTT, and a second /play uses the cache, not the quota.
func TestPlayListsOpenSubtitles(t *testing.T) {
	api := newFakeOpenSubtitles(t)
	dir := t.TempDir()
	s := newSite(t, func(c *web.Config) {
		c.OpenSubtitles = &subtitles.OpenSubtitles{BaseURL: api.URL, APIKey: "test-key", Username: "vera", Password: "secret"}
		c.DataDir = dir
		c.VendorDir = dir // no hls.js needed: the film plays directly
	})
	me, err := s.users.FindUserByLogin(t.Context(), "tester")
	if err != nil {
		t.Fatal(err)
	}
	me.Language = "fr"
	if err := s.users.UpdateUser(t.Context(), me); err != nil {
		t.Fatal(err)
	}
	fx := playerFixtures(t)["mp4"]
	const ih = "0000000000000000000000000000000000005ab5"
	s.engine.addTorrent(ih, "Subbed", fakeFile{path: "Subbed/" + fx.name, data: fx.data})
	m := &hypertube.Movie{Title: "Subbed", Year: 1999, ImdbID: "tt0133093", InfoHash: ih, Magnet: "magnet:?xt=urn:btih:" + ih}
	s.addFilm(t, m)
	ps := &playerSite{site: s}

	status, a := ps.play(t, m.ID, "caps="+chromeCaps)
	if status != http.StatusOK {
		t.Fatalf("play: status %d: %s", status, a.Error)
	}
	if a.Mode != "direct" {
		t.Errorf("mode %q, want direct", a.Mode)
	}
	byLang := map[string]int{}
	for i, sub := range a.Subtitles {
		if strings.Contains(sub.Src, "opensubtitles") {
			byLang[sub.Srclang] = i
		}
	}
	if len(byLang) != 2 {
		t.Fatalf("subtitles %+v; want OpenSubtitles' English and French", a.Subtitles)
	}
	fr, en := a.Subtitles[byLang["fr"]], a.Subtitles[byLang["en"]]
	if !fr.Default || en.Default {
		t.Errorf("default: French %v, English %v; want the viewer's French on", fr.Default, en.Default)
	}
	if !strings.Contains(fr.Label, "OpenSubtitles") {
		t.Errorf("French label %q does not name OpenSubtitles", fr.Label)
	}
	for _, tc := range []struct {
		src, want string
	}{
		{fr.Src, "Très bien, café"},
		{en.Src, "Hello from OpenSubtitles"},
	} {
		res, body := s.get(t, tc.src)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/vtt") {
			t.Errorf("%s: status %d, Content-Type %q", tc.src, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.HasPrefix(body, "WEBVTT") || !strings.Contains(body, "00:00:01.000 --> 00:00:03.000") || !strings.Contains(body, tc.want) {
			t.Errorf("%s: body %q; want WebVTT saying %q", tc.src, body, tc.want)
		}
	}

	// Reloading the page spends no more of the daily quota.
	if status, again := ps.play(t, m.ID, "caps="+chromeCaps); status != http.StatusOK || len(again.Subtitles) != len(a.Subtitles) {
		t.Errorf("second play: status %d, %d subtitles, want %d", status, len(again.Subtitles), len(a.Subtitles))
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.downloads != 2 {
		t.Errorf("%d downloads from OpenSubtitles, want 2 (one per language, then the cache)", api.downloads)
	}
}
