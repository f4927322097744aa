package web

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/hypertube/hypertube"
)

// posterURL is where a page loads the film's poster from: catalogs' https
// posters directly, anything else through the poster route, which serves
// local files or a generated placeholder.
func posterURL(m *hypertube.Movie) string {
	if strings.HasPrefix(m.Poster, "https://") {
		return m.Poster
	}
	return movieURL(m.ID) + "/poster"
}

var posterTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
	".webp": "image/webp", ".gif": "image/gif", ".avif": "image/avif",
}

func (h *handler) handlePoster(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if f, ct := h.openLocalPoster(m.Poster); f != nil {
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Cache-Control", "public, max-age=86400")
			http.ServeContent(w, r, "", st.ModTime(), f)
			return
		}
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(placeholderSVG(m.Title)))
}

// openLocalPoster opens a poster stored under DataDir, named "file:PATH" or
// PATH, relative to DataDir or absolute. os.Root refuses any path, "..",
// or symlink that leads outside DataDir, so a poster set from outside (a
// catalog, a torrent) cannot read other files.
func (h *handler) openLocalPoster(poster string) (*os.File, string) {
	if h.dataDir == "" || poster == "" || strings.Contains(poster, "://") && !strings.HasPrefix(poster, "file://") {
		return nil, ""
	}
	p := strings.TrimPrefix(strings.TrimPrefix(poster, "file://"), "file:")
	ct, ok := posterTypes[strings.ToLower(filepath.Ext(p))]
	if !ok {
		return nil, ""
	}
	root, err := filepath.Abs(h.dataDir)
	if err != nil {
		return nil, ""
	}
	// A relative path is tried against DataDir, then against the working
	// directory, since DataDir itself is often given relative ("./data").
	var candidates []string
	if filepath.IsAbs(p) {
		candidates = append(candidates, p)
	} else {
		candidates = append(candidates, filepath.Join(root, p))
		if abs, err := filepath.Abs(p); err == nil {
			candidates = append(candidates, abs)
		}
	}
	for _, c := range candidates {
		rel, err := filepath.Rel(root, c)
		if err != nil || !filepath.IsLocal(rel) {
			h.log.Warn("poster outside the data directory refused", "poster", poster)
			continue
		}
		if f, err := os.OpenInRoot(root, rel); err == nil {
			return f, ct
		}
	}
	return nil, ""
}

// placeholderSVG draws a poster from the title, in a colour derived from it
// so that films stay recognisable in the grid.
func placeholderSVG(title string) string {
	sum := fnv.New32a()
	sum.Write([]byte(title))
	hue := sum.Sum32() % 360
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 300" width="200" height="300">`+
		`<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">`+
		`<stop offset="0" stop-color="hsl(%d,55%%,32%%)"/><stop offset="1" stop-color="hsl(%d,60%%,12%%)"/>`+
		`</linearGradient></defs><rect width="200" height="300" fill="url(#g)"/>`, hue, (hue+40)%360)
	lines := wrapWords(title, 16, 5)
	y := 150 - (len(lines)-1)*13
	for _, l := range lines {
		fmt.Fprintf(&b, `<text x="100" y="%d" fill="#fff" font-family="system-ui,sans-serif" font-size="20" font-weight="600" text-anchor="middle">%s</text>`,
			y, html.EscapeString(l))
		y += 26
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// wrapWords splits s into at most maxLines lines of about width runes.
func wrapWords(s string, width, maxLines int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if r := []rune(w); len(r) > width {
			w = string(r[:width-1]) + "…"
		}
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] += "…"
	}
	return lines
}
