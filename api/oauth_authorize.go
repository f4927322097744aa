package api

import (
	"bytes"
	"embed"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

//go:embed templates openapi.json
var templateFiles embed.FS

// authorizeRequest is an authorization request (RFC 6749 §4.1.1 with
// RFC 7636's PKCE), as the consent form carries it back.
type authorizeRequest struct {
	ResponseType, ClientID, RedirectURI, State, Challenge, ChallengeMethod string
}

func readAuthorizeRequest(v url.Values) authorizeRequest {
	return authorizeRequest{
		ResponseType:    v.Get("response_type"),
		ClientID:        v.Get("client_id"),
		RedirectURI:     v.Get("redirect_uri"),
		State:           v.Get("state"),
		Challenge:       v.Get("code_challenge"),
		ChallengeMethod: v.Get("code_challenge_method"),
	}
}

type consentPage struct {
	Error     string
	Client    string
	Owner     string
	User      string
	Request   authorizeRequest
	CSRFToken string
}

var challengePattern = regexp.MustCompile(`^[A-Za-z0-9\-_]{43}$`)

// checkAuthorize validates a request. Until the client and its redirect URI
// are known good, errors are shown on the page: redirecting to an
// unregistered URI would make Hypertube an open redirector (RFC 6749
// §4.1.2.1). After that, they go back to the app.
func (h *handler) checkAuthorize(w http.ResponseWriter, r *http.Request, ar authorizeRequest) (*store.OAuthClient, bool) {
	client, err := h.OAuth.FindClient(r.Context(), ar.ClientID)
	if err != nil {
		if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			h.log.Error("api: find client", "err", err)
		}
		h.renderConsent(w, http.StatusBadRequest, consentPage{Error: "This app is unknown or was revoked by its owner."})
		return nil, false
	}
	if ar.RedirectURI == "" || !slices.Contains(client.RedirectURIs, ar.RedirectURI) {
		h.renderConsent(w, http.StatusBadRequest, consentPage{Error: "The app asked to return to an address it did not register, so Hypertube will not send you there."})
		return nil, false
	}
	switch {
	case ar.ResponseType != "code":
		h.redirectBack(w, r, ar, url.Values{"error": {"unsupported_response_type"}, "error_description": {"Only response_type=code is supported."}})
		return nil, false
	case ar.ChallengeMethod != "S256" || !challengePattern.MatchString(ar.Challenge):
		h.redirectBack(w, r, ar, url.Values{"error": {"invalid_request"}, "error_description": {"PKCE is required: send code_challenge with code_challenge_method=S256."}})
		return nil, false
	}
	return client, true
}

// handleAuthorize shows the consent page to the signed-in person.
func (h *handler) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ar := readAuthorizeRequest(r.URL.Query())
	client, ok := h.checkAuthorize(w, r, ar)
	if !ok {
		return
	}
	u, signedIn := h.sessionUser(r)
	if !signedIn {
		redirect(w, h.SignInPath+"?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusFound)
		return
	}
	p := consentPage{Client: client.Name, User: u.Username, Request: ar}
	if owner, err := h.Users.FindUserByID(r.Context(), client.UserID); err == nil {
		p.Owner = owner.Username
	}
	if h.CSRFToken != nil {
		p.CSRFToken = h.CSRFToken(r)
	}
	h.renderConsent(w, http.StatusOK, p)
}

// handleApprove receives the consent form: it issues a code, or tells the
// app that the person said no.
func (h *handler) handleApprove(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		h.renderConsent(w, http.StatusBadRequest, consentPage{Error: "The form could not be read. Please try again."})
		return
	}
	u, signedIn := h.sessionUser(r)
	if !signedIn {
		h.renderConsent(w, http.StatusUnauthorized, consentPage{Error: "Your session has ended. Please sign in and start again from the app."})
		return
	}
	// Without the web site's CSRF check, no form can be trusted.
	if h.CheckCSRF == nil || !h.CheckCSRF(r) {
		h.renderConsent(w, http.StatusForbidden, consentPage{Error: "This form has expired. Please start again from the app."})
		return
	}
	ar := readAuthorizeRequest(r.PostForm)
	client, ok := h.checkAuthorize(w, r, ar)
	if !ok {
		return
	}
	if r.PostForm.Get("decision") != "approve" {
		h.redirectBack(w, r, ar, url.Values{"error": {"access_denied"}, "error_description": {"The person declined."}})
		return
	}
	code := auth.NewToken()
	now := h.Now()
	err := h.OAuth.CreateCode(r.Context(), &store.OAuthCode{
		Hash: auth.HashToken(code), ClientID: client.ClientID, UserID: u.ID, RedirectURI: ar.RedirectURI,
		CodeChallenge: ar.Challenge, CreatedAt: now, ExpiresAt: now.Add(CodeLifetime),
	})
	if err != nil {
		h.log.Error("api: create code", "err", err)
		h.redirectBack(w, r, ar, url.Values{"error": {"server_error"}})
		return
	}
	h.log.Info("api: app authorized", "client", client.ClientID, "user", u.ID)
	h.redirectBack(w, r, ar, url.Values{"code": {code}})
}

func (h *handler) sessionUser(r *http.Request) (*hypertube.User, bool) {
	if h.SessionUser == nil {
		return nil, false
	}
	u, ok := h.SessionUser(r)
	return u, ok && u != nil
}

// redirectBack sends the browser to the app's registered redirect URI with
// params and the app's state added to its query.
func (h *handler) redirectBack(w http.ResponseWriter, r *http.Request, ar authorizeRequest, params url.Values) {
	u, err := url.Parse(ar.RedirectURI)
	if err != nil {
		h.renderConsent(w, http.StatusBadRequest, consentPage{Error: "The app's redirect address is malformed."})
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if ar.State != "" {
		q.Set("state", ar.State)
	}
	u.RawQuery = q.Encode()
	redirect(w, u.String(), http.StatusSeeOther)
}

// redirect answers without the little HTML page http.Redirect adds: the
// URL may carry a code, which has no business in a body.
func redirect(w http.ResponseWriter, location string, status int) {
	w.Header().Set("Location", location)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

func (h *handler) renderConsent(w http.ResponseWriter, status int, p consentPage) {
	var buf bytes.Buffer
	if err := h.consent.Execute(&buf, p); err != nil {
		h.log.Error("api: render consent page", "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	// A consent page inside someone else's frame could be clicked blindly.
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	hdr.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
