package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed templates static
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
		h.renderError(w, r, http.StatusNotFound, h.t(r, "error.pageNotFound"))
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}

var pageNames = []string{
	"home.html", "movie.html", "error.html",
	"signin.html", "signup.html", "forgot.html", "reset.html", "choose.html",
	"profile.html", "users.html", "user.html",
}

func parsePages(a *assets) (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(requestFuncs(nil, nil, nil)).Funcs(template.FuncMap{
			"static":       a.url,
			"posterURL":    posterURL,
			"field":        newField,
			"personOf":     personOf,
			"deleteErrors": deleteErrors,
			"initial":      initial,
		}).ParseFS(files, "templates/layout.html", "templates/parts.html", "templates/apps.html", "templates/library.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: parsing %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// requestFuncs are the template functions that depend on who asks: texts in
// their language, their CSRF token, their account. With a nil handler they
// are stand-ins for parsing.
func requestFuncs(h *handler, w http.ResponseWriter, r *http.Request) template.FuncMap {
	if h == nil {
		none := func() any { return nil }
		return template.FuncMap{
			"t": func(string, ...any) string { return "" }, "n": func(string, int, ...any) string { return "" },
			"csrf": func() string { return "" }, "user": none, "lang": func() string { return "" },
			"languages": none, "providers": none, "path": func() string { return "" },
		}
	}
	v := visitorOf(r)
	return template.FuncMap{
		"t":         func(key string, args ...any) string { return h.catalog.T(v.lang, key, args...) },
		"n":         func(key string, n int, args ...any) string { return h.catalog.N(v.lang, key, n, args...) },
		"csrf":      func() string { return h.csrfToken(w, r) },
		"user":      func() any { return v.user },
		"lang":      func() string { return v.lang },
		"languages": func() any { return h.catalog.Languages() },
		"providers": func() any { return h.providers },
		"path":      func() string { return backPath(r) },
	}
}

// t returns the text of key in the visitor's language; args are name,
// value pairs for its {placeholders}.
func (h *handler) t(r *http.Request, key string, args ...any) string {
	return h.catalog.T(visitorOf(r).lang, key, args...)
}

// render writes a whole page or, when the template fails, a 500; the page is
// built in memory first so that a failing template never sends half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	t, err := h.pages[name].Clone()
	if err == nil {
		err = t.Funcs(requestFuncs(h, w, r)).ExecuteTemplate(&buf, "layout", data)
	}
	if err != nil {
		h.log.Error("render", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, h.t(r, "error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// formField is one labelled input of a form, with its error.
type formField struct {
	Name, Label, Type, Auto, Value, Error string
}

func newField(name, label, typ, auto, value string, errs map[string]string) formField {
	return formField{Name: name, Label: label, Type: typ, Auto: auto, Value: value, Error: errs[name]}
}

// deleteErrors puts the account-deletion error under the form's field.
func deleteErrors(errs map[string]string) map[string]string {
	return map[string]string{"confirm": errs["delete"]}
}

// initial is the letter shown in place of a missing picture.
func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// backPath is where the language switcher returns to: this page, unless it
// answered a form, which cannot be fetched again.
func backPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/"
	}
	return r.URL.RequestURI()
}
