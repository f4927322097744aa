package web_test

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/web"
)

func TestPosterPlaceholderIsEscapedSVG(t *testing.T) {
	s := newSite(t, nil)
	title := `</text><script>alert("x")</script> & <b>Ünïcode 'quoted'</b>`
	s.movies.CreateMovie(t.Context(), &hypertube.Movie{Title: title})
	resp, body := s.get(t, "/movies/3/poster")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if strings.Contains(body, "<script") || strings.Contains(body, "<b>") {
		t.Errorf("title not escaped: %s", body)
	}
	if !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("escaped title missing: %s", body)
	}
	// It must be well-formed XML with only svg elements, and say the title.
	dec := xml.NewDecoder(strings.NewReader(body))
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("placeholder is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch tok.Name.Local {
			case "svg", "defs", "linearGradient", "stop", "rect", "text":
			default:
				t.Errorf("unexpected element <%s>", tok.Name.Local)
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteByte(' ')
		}
	}
	if got := strings.Join(strings.Fields(text.String()), " "); !strings.Contains(got, "<script>") || !strings.Contains(got, "Ünïcode") {
		t.Errorf("placeholder text %q does not show the title", got)
	}

	// Different titles get different colours.
	_, other := s.get(t, "/movies/1/poster")
	if colour(body) == colour(other) {
		t.Errorf("two titles share the colour %s", colour(body))
	}
}

func colour(svg string) string {
	_, rest, _ := strings.Cut(svg, `stop-color="`)
	c, _, _ := strings.Cut(rest, `"`)
	return c
}

func TestPosterLocalFilesStayInDataDir(t *testing.T) {
	root := t.TempDir()
	dataDir := filepath.Join(root, "data")
	png := []byte("\x89PNG\r\n\x1a\n poster bytes")
	secret := []byte("\x89PNG\r\n\x1a\n SECRET outside the data dir")
	must(t, os.MkdirAll(filepath.Join(dataDir, "demo"), 0o755))
	must(t, os.WriteFile(filepath.Join(dataDir, "demo", "poster.png"), png, 0o644))
	must(t, os.WriteFile(filepath.Join(root, "secret.png"), secret, 0o644))
	must(t, os.Symlink(filepath.Join(root, "secret.png"), filepath.Join(dataDir, "demo", "link.png")))
	must(t, os.WriteFile(filepath.Join(dataDir, "demo", "page.html"), []byte("<script>"), 0o644))

	s := newSite(t, func(c *web.Config) { c.DataDir = dataDir })
	tests := []struct {
		poster string
		local  bool
	}{
		{"file:demo/poster.png", true},
		{"demo/poster.png", true},
		{filepath.Join(dataDir, "demo", "poster.png"), true},
		{"file://" + filepath.Join(dataDir, "demo", "poster.png"), true},
		{"file:../secret.png", false},
		{"demo/../../secret.png", false},
		{filepath.Join(root, "secret.png"), false},
		{"file://" + filepath.Join(root, "secret.png"), false},
		{"file:demo/link.png", false}, // a symlink out of the data dir
		{"file:demo/page.html", false},
		{"file:demo/missing.png", false},
		{"http://127.0.0.1:1/poster.png", false},
	}
	for _, tt := range tests {
		m := &hypertube.Movie{Title: "Poster test", Poster: tt.poster}
		s.movies.CreateMovie(t.Context(), m)
		resp, body := s.get(t, movieURL(m.ID)+"/poster")
		switch {
		case strings.Contains(body, "SECRET"):
			t.Errorf("%q: served a file outside the data dir", tt.poster)
		case tt.local && (body != string(png) || resp.Header.Get("Content-Type") != "image/png"):
			t.Errorf("%q: got %q (%s), want the local poster", tt.poster, body, resp.Header.Get("Content-Type"))
		case !tt.local && resp.Header.Get("Content-Type") != "image/svg+xml":
			t.Errorf("%q: got %s, want the placeholder", tt.poster, resp.Header.Get("Content-Type"))
		}
	}
}

func TestPosterURLsInPages(t *testing.T) {
	s := newSite(t, nil)
	s.movies.CreateMovie(t.Context(), &hypertube.Movie{Title: "Remote", Poster: "https://img.example/p.jpg"})
	_, body := s.get(t, "/")
	if !strings.Contains(body, `src="https://img.example/p.jpg"`) || !strings.Contains(body, `src="/movies/1/poster"`) {
		t.Errorf("grid does not use https posters directly and the poster route otherwise")
	}
}

func TestStaticRefusesTraversal(t *testing.T) {
	s := newSite(t, nil)
	css := s.staticURL(t, "style.css")
	hash := strings.Split(css, "/")[2]
	for _, p := range []string{
		"/static/" + hash + "/../../go.mod",
		"/static/" + hash + "/%2e%2e/%2e%2e/go.mod",
		"/static/" + hash + "/..%2f..%2fgo.mod",
		"/static/" + hash + "/..%2f..%2fweb.go",
		"/static/" + hash + "/..%5c..%5cgo.mod",
		"/static/" + hash + "/../templates/layout.html",
		"/static/" + hash + "/%2e%2e%2ftemplates%2flayout.html",
		"/static/" + hash + "/",
	} {
		resp, body := s.get(t, p)
		if resp.StatusCode == 200 || strings.Contains(body, "module github.com") || strings.Contains(body, `{{define`) {
			t.Errorf("GET %s: status %d, body %.100q", p, resp.StatusCode, body)
		}
	}
}

func movieURL(id int64) string { return "/movies/" + itoa(id) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
