package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed templates static locales
var files embed.FS

// staticFile is one embedded asset, served under a URL that holds its
// checksum so browsers may cache it for a year.
type staticFile struct {
	data        []byte
	hash        string
	contentType string
}

type assets struct {
	static map[string]staticFile // by path under static/
}

func loadAssets() (*assets, error) {
	a := &assets{static: map[string]staticFile{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.static[strings.TrimPrefix(p, "static/")] = staticFile{data: data, hash: hex.EncodeToString(sum[:6]), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: reading embedded static files: %w", err)
	}
	return a, nil
}

// url is the checksum URL of an asset; a missing name is a bug in a
// template, so it fails the render rather than producing a broken link.
func (a *assets) url(name string) (string, error) {
	f, ok := a.static[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + f.hash + "/" + name, nil
}

// handleStatic serves only files of the embedded set, looked up by exact name,
// so no request path can reach anything else. An old checksum is a 404: the
// page that asked for it is older than this binary.
func (h *handler) handleStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := h.assets.static[r.PathValue("file")]
	if !ok || f.hash != r.PathValue("hash") {
		h.renderError(w, r, http.StatusNotFound, msg("error.pageNotFound"))
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

// messages are the site's strings that Go code or templates show; they live
// in one catalog so that translation later means adding catalogs.
var messages = mustLoadMessages("locales/en.json")

func mustLoadMessages(name string) map[string]string {
	data, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		panic(fmt.Sprintf("web: %s: %v", name, err))
	}
	return m
}

// msg returns the message for key, or the key itself so that a missing
// string shows up on the page instead of vanishing.
func msg(key string) string {
	if s, ok := messages[key]; ok {
		return s
	}
	return key
}

// msgf formats the message for key.
func msgf(key string, args ...any) string { return fmt.Sprintf(msg(key), args...) }

var pageNames = []string{"home.html", "movie.html", "error.html"}

func parsePages(a *assets) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"t":         msg,
		"tf":        msgf,
		"static":    a.url,
		"posterURL": posterURL,
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a whole page or, when the template fails, a 500; the page is
// built in memory first so that a failing template never sends half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("render", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, msg("error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
