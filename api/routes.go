package api

import "net/http"

// routes lists every URL of the API and of the OAuth2 server. Routes of
// the API need an access token but for the front page and the document.
func (h *handler) routes() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("POST /oauth/token", h.handleToken)
	mux.HandleFunc("POST /oauth/revoke", h.handleRevoke)
	mux.HandleFunc("GET /oauth/authorize", h.handleAuthorize)
	mux.HandleFunc("POST /oauth/authorize", h.handleApprove)

	mux.HandleFunc("GET /api/openapi.json", h.handleOpenAPI)
	mux.HandleFunc("GET /api/docs", h.handleDocs)

	mux.HandleFunc("GET /api/users", h.private(h.handleListUsers))
	mux.HandleFunc("GET /api/users/{id}", h.private(h.handleGetUser))
	mux.HandleFunc("PATCH /api/users/{id}", h.private(h.handleUpdateUser))

	mux.HandleFunc("GET /api/movies", h.public(h.handleListMovies))
	mux.HandleFunc("POST /api/movies", h.private(h.handleAddMovie))
	mux.HandleFunc("GET /api/movies/{id}", h.private(h.handleGetMovie))
	mux.HandleFunc("DELETE /api/movies/{id}", h.private(h.handleDeleteMovie))
	mux.HandleFunc("GET /api/movies/{id}/comments", h.private(h.handleMovieComments))
	mux.HandleFunc("POST /api/movies/{id}/comments", h.private(h.handlePostMovieComment))

	mux.HandleFunc("GET /api/comments", h.private(h.handleLatestComments))
	mux.HandleFunc("POST /api/comments", h.private(h.handlePostComment))
	mux.HandleFunc("GET /api/comments/{id}", h.private(h.handleGetComment))
	mux.HandleFunc("PATCH /api/comments/{id}", h.private(h.handleUpdateComment))
	mux.HandleFunc("DELETE /api/comments/{id}", h.private(h.handleDeleteComment))

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(&muxErrors{ResponseWriter: w, h: h, r: r}, r)
	})
}
