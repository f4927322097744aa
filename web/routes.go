package web

import "net/http"

// routes lists every URL of the site.
func (h *handler) routes(tracker http.Handler, auth func(http.Handler) http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	page := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, auth(fn)) }

	mux.HandleFunc("GET /healthz", h.handleHealth)
	mux.HandleFunc("GET /static/{hash}/{file...}", h.handleStatic)
	if tracker != nil {
		mux.Handle("GET /announce", tracker)
		mux.Handle("GET /scrape", tracker)
	}

	page("GET /{$}", h.handleHome)
	page("POST /movies", h.handleAddMovie)
	page("GET /movies/{id}", h.handleMovie)
	page("GET /movies/{id}/stream", h.handleStream)
	page("GET /movies/{id}/events", h.handleEvents)
	page("GET /movies/{id}/poster", h.handlePoster)
	return mux
}

func (h *handler) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok"))
}
