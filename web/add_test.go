package web_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func postForm(t *testing.T, s *site, values url.Values, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for k, v := range hdr {
		h[k] = v
	}
	return s.do(t, "POST", "/movies", h, strings.NewReader(values.Encode()))
}

func postUpload(t *testing.T, s *site, filename string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("magnet", "")
	fw, err := mw.CreateFormFile("torrent", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return s.do(t, "POST", "/movies", map[string]string{"Content-Type": mw.FormDataContentType()}, &buf)
}

// filmID follows a 303 to a film page and returns the film's id.
func filmID(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	m := regexp.MustCompile(`^/movies/(\d+)$`).FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("Location %q is not a film page", resp.Header.Get("Location"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func TestAddMovieRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, magnet string
		message      string
	}{
		{"empty", "  ", "Paste a magnet link or choose a .torrent file."},
		{"not a magnet", `http://evil.example/"><script>x</script>`, "That is not a magnet link."},
		{"no info hash", "magnet:?dn=Film&tr=http://127.0.0.1/announce", "no valid BitTorrent info hash"},
		{"short hash", "magnet:?xt=urn:btih:abc123", "no valid BitTorrent info hash"},
		{"too long", "magnet:?xt=urn:btih:" + demoHash + "&dn=" + strings.Repeat("a", 9000), "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, nil)
			resp, body := postForm(t, s, url.Values{"magnet": {tt.magnet}}, nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if !strings.Contains(body, html.EscapeString(tt.message)) {
				t.Errorf("body lacks the message %q", tt.message)
			}
			if typed := strings.TrimSpace(tt.magnet); typed != "" && len(typed) < 1000 &&
				!strings.Contains(body, `value="`+html.EscapeString(typed)+`"`) {
				t.Errorf("the typed link is not kept, escaped, in the field")
			}
			if strings.Contains(body, "<script>x</script>") {
				t.Error("typed input is not escaped")
			}
			if !strings.Contains(body, `aria-invalid="true"`) || !strings.Contains(body, `<details class="add" open>`) {
				t.Error("the form is not shown open with the field marked invalid")
			}
			checkSecurityHeaders(t, resp)
			if _, n, _ := s.movies.FindMovies(t.Context(), hypertubeFilter); n != 2 {
				t.Errorf("library has %d films, want the 2 it had", n)
			}
		})
	}
}

func TestAddMovieRejectsGarbageTorrent(t *testing.T) {
	s := newSite(t, nil)
	resp, body := postUpload(t, s, "film.torrent", []byte("this is not bencode at all"))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
	if !strings.Contains(body, "not a valid .torrent file") || !strings.Contains(body, `id="torrent-error"`) {
		t.Errorf("no message next to the file field: %.2000s", body)
	}

	resp, body = postUpload(t, s, "big.torrent", bytes.Repeat([]byte("x"), 3<<20))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too large") {
		t.Errorf("3 MiB upload: status %d, want 400 with a size message", resp.StatusCode)
	}
}

func TestAddMovieByMagnet(t *testing.T) {
	s := newSite(t, nil)
	const ih = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	magnet := "magnet:?xt=urn:btih:" + ih + "&dn=Big+Buck+Bunny&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce"
	resp, _ := postForm(t, s, url.Values{"magnet": {magnet}}, nil)
	id := filmID(t, resp)
	m := s.movies.byID(id)
	if m.Title != "Big Buck Bunny" || m.InfoHash != ih || m.Magnet != magnet || m.Source != "user" {
		t.Errorf("film = %+v", m)
	}
	if _, err := s.engine.Status(ih); err != nil {
		t.Errorf("torrent not added to the engine: %v", err)
	}
	// The same torrent again is the same film.
	resp, _ = postForm(t, s, url.Values{"magnet": {"magnet:?xt=urn:btih:" + strings.ToUpper(ih)}}, nil)
	if again := filmID(t, resp); again != id {
		t.Errorf("adding the torrent twice made film %d, want %d", again, id)
	}
	// Known metadata names a film whose magnet has no name.
	resp, _ = postForm(t, s, url.Values{"magnet": {demoHash}}, nil)
	if got := filmID(t, resp); got != 1 {
		t.Errorf("bare hash of film 1 gave film %d", got)
	}
}

func TestAddMovieTitles(t *testing.T) {
	s := newSite(t, nil)
	const named = "cccccccccccccccccccccccccccccccccccccccc"
	s.engine.addTorrent(named, "Night\tof the\x00Living Dead", fakeFile{path: "notld.mkv", data: []byte{1}})
	resp, _ := postForm(t, s, url.Values{"magnet": {named}}, nil)
	m := s.movies.byID(filmID(t, resp))
	if m.Title != "Night of the Living Dead" {
		t.Errorf("title from metadata = %q", m.Title)
	}
	if m.Magnet != "magnet:?xt=urn:btih:"+named {
		t.Errorf("a bare hash is stored as magnet %q", m.Magnet)
	}

	// No name and no metadata within the short wait: a placeholder.
	const unknown = "dddddddddddddddddddddddddddddddddddddddd"
	resp, _ = postForm(t, s, url.Values{"magnet": {"magnet:?xt=urn:btih:" + unknown}}, nil)
	if m := s.movies.byID(filmID(t, resp)); m.Title != "Untitled torrent dddddddd" {
		t.Errorf("placeholder title = %q", m.Title)
	}
}

func TestAddMovieByTorrentFile(t *testing.T) {
	s := newSite(t, nil)
	data, err := torrentFile("Sintel.mp4", 100_000)
	if err != nil {
		t.Fatal(err)
	}
	resp, _ := postUpload(t, s, "sintel.torrent", data)
	m := s.movies.byID(filmID(t, resp))
	if m.Title != "Sintel.mp4" || len(m.InfoHash) != 40 || !strings.HasPrefix(m.Magnet, "magnet:?xt=urn:btih:"+m.InfoHash) {
		t.Errorf("film = %+v", m)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	s := newSite(t, nil)
	good := url.Values{"magnet": {"magnet:?xt=urn:btih:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee&dn=X"}}
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://evil.example"},
	} {
		resp, body := postForm(t, s, good, hdr)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: status %d, want 403", hdr, resp.StatusCode)
		}
		if !strings.Contains(body, "came from another site") {
			t.Errorf("%v: no explanation in the 403 page", hdr)
		}
		checkSecurityHeaders(t, resp)
	}
	if _, n, _ := s.movies.FindMovies(t.Context(), hypertubeFilter); n != 2 {
		t.Errorf("a cross-origin post added a film")
	}
	// The same form from the site itself goes through.
	resp, _ := postForm(t, s, good, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": s.URL})
	filmID(t, resp)
}
