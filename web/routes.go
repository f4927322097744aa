package web

import "net/http"

// routes lists every URL of the site. Pages need a session; the account
// pages people use before they have one are public. Every POST of either
// kind must carry the visitor's CSRF token.
func (h *handler) routes(tracker http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	public := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, h.checkCSRF(fn, false)) }
	page := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, h.requireUser(h.checkCSRF(fn, false))) }
	upload := func(pattern string, fn http.HandlerFunc) { mux.Handle(pattern, h.requireUser(h.checkCSRF(fn, true))) }

	mux.HandleFunc("GET /healthz", h.handleHealth)
	mux.HandleFunc("GET /static/{hash}/{file...}", h.handleStatic)
	mux.HandleFunc("GET /favicon.ico", h.handleFavicon)
	mux.HandleFunc("GET /static/vendor/hls.min.js", h.handleVendorHLS)
	// ffmpeg's way in: a token, no cookie, from this machine only.
	mux.HandleFunc("GET /internal/stream/{token}", h.handleInternalStream)
	if tracker != nil {
		mux.Handle("GET /announce", tracker)
		mux.Handle("GET /scrape", tracker)
	}

	public("GET /signin", h.handleSignInForm)
	public("POST /signin", h.handleSignIn)
	public("GET /signup", h.handleSignUpForm)
	public("POST /signup", h.handleSignUp)
	public("POST /signout", h.handleSignOut)
	public("GET /reset", h.handleForgotForm)
	public("POST /reset", h.handleForgot)
	public("GET /reset/{token}", h.handleResetForm)
	public("POST /reset/{token}", h.handleReset)
	public("GET /auth/{provider}/start", h.handleOAuthStart)
	public("GET /auth/{provider}/callback", h.handleOAuthCallback)
	public("GET /auth/choose", h.handleChooseForm)
	public("POST /auth/choose", h.handleChoose)
	public("POST /language", h.handleLanguage)

	page("GET /{$}", h.handleHome)
	upload("POST /movies", h.handleAddMovie)
	page("GET /movies/{id}", h.handleMovie)
	page("GET /movies/{id}/stream", h.handleStream)
	page("GET /movies/{id}/events", h.handleEvents)
	page("GET /movies/{id}/poster", h.handlePoster)
	page("POST /movies/{id}/progress", h.handleProgress)
	page("GET /movies/{id}/play", h.handlePlay)
	page("GET /movies/{id}/hls/{key}/index.m3u8", h.handleHLSPlaylist)
	page("GET /movies/{id}/hls/{key}/{segment}", h.handleHLSSegment)
	page("GET /movies/{id}/subtitles/{name}", h.handleSubtitle)
	page("GET /discover.json", h.handleDiscoverJSON)
	page("POST /movies/{id}/release", h.handleSelectRelease)
	page("POST /movies/{id}/comments", h.handlePostComment)
	page("POST /comments/{id}", h.handleEditComment)
	page("POST /comments/{id}/delete", h.handleDeleteComment)

	page("GET /profile", h.handleProfile)
	page("POST /profile", h.handleUpdateProfile)
	page("POST /profile/password", h.handleChangePassword)
	upload("POST /profile/picture", h.handleUploadPicture)
	page("POST /profile/signout-everywhere", h.handleSignOutEverywhere)
	page("POST /profile/delete", h.handleDeleteAccount)
	page("POST /profile/apps", h.handleCreateApp)
	page("POST /profile/apps/{id}/revoke", h.handleRevokeApp)
	page("GET /users", h.handleUsers)
	page("GET /users/{id}", h.handleUser)
	// API clients fetch the picture_url the API gives them (apihooks.go).
	mux.Handle("GET /users/{id}/picture", h.memberOrToken(http.HandlerFunc(h.handlePicture)))

	// The API checks its own bearer tokens; its consent page uses the
	// session through the hooks (apihooks.go), so it sits inside the
	// visitor middleware but outside the pages' CSRF and sign-in checks.
	if h.api != nil {
		mux.Handle("/api/", h.api)
		mux.Handle("/oauth/", h.api)
	}
	return mux
}

func (h *handler) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok"))
}

// handleFavicon answers browsers that ask for /favicon.ico whatever the
// page's <link rel=icon> says.
func (h *handler) handleFavicon(w http.ResponseWriter, r *http.Request) {
	url, err := h.assets.url("favicon.svg")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, url, http.StatusMovedPermanently)
}
