package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"regexp"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

const maxFormBody = 16 << 10

// oauthErrorBody is an error of the token and revocation endpoints, shaped
// as RFC 6749 §5.2 says.
type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

func (h *handler) oauthError(w http.ResponseWriter, r *http.Request, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="hypertube"`)
	}
	h.writeJSON(w, r, status, oauthErrorBody{code, description})
}

// readTokenForm parses a form-encoded body, refusing repeated parameters
// (RFC 6749 §3.2), and authenticates the client (§2.3.1).
func (h *handler) readTokenForm(w http.ResponseWriter, r *http.Request) (*store.OAuthClient, bool) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if !h.Limiter.Allow("oauth:"+h.Proxies.ClientIP(r), h.Now()) {
		w.Header().Set("Retry-After", "1")
		h.oauthError(w, r, http.StatusTooManyRequests, "slow_down", "Too many requests. Please slow down.")
		return nil, false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "Send the parameters as application/x-www-form-urlencoded.")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "The request body cannot be read as a form.")
		return nil, false
	}
	for name, values := range r.PostForm {
		if len(values) > 1 {
			h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "The parameter "+name+" is repeated.")
			return nil, false
		}
	}

	id, secret, basic := r.BasicAuth()
	if basic {
		if r.PostForm.Has("client_secret") {
			h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "Authenticate the client one way only: HTTP Basic or form parameters.")
			return nil, false
		}
		// The id and secret are form-encoded before going into the header.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			id, secret = "", ""
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		h.oauthError(w, r, http.StatusUnauthorized, "invalid_client", "The client is not authenticated: send its id and secret.")
		return nil, false
	}
	client, ok := h.clients.authenticate(r.Context(), id, secret)
	if !ok {
		h.oauthError(w, r, http.StatusUnauthorized, "invalid_client", "The client id or secret is wrong, or the app was revoked.")
		return nil, false
	}
	if basic && r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != id {
		h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "client_id does not match the authenticated client.")
		return nil, false
	}
	return client, true
}

func (h *handler) handleToken(w http.ResponseWriter, r *http.Request) {
	client, ok := h.readTokenForm(w, r)
	if !ok {
		return
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); grant {
	case "client_credentials":
		h.issueTokens(w, r, client.ClientID, client.UserID, false)

	case "authorization_code":
		code, redirectURI, verifier := form.Get("code"), form.Get("redirect_uri"), form.Get("code_verifier")
		if code == "" || redirectURI == "" || verifier == "" {
			h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "code, redirect_uri and code_verifier are required.")
			return
		}
		if !verifierPattern.MatchString(verifier) {
			h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "code_verifier is 43 to 128 letters, digits and -._~ (RFC 7636).")
			return
		}
		c, err := h.OAuth.ConsumeCode(r.Context(), auth.HashToken(code), h.Now())
		if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
			h.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "The authorization code is unknown, expired or already used.")
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		switch {
		case c.ClientID != client.ClientID:
			h.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "The authorization code was issued to another client.")
		case c.RedirectURI != redirectURI:
			h.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the one of the authorization request.")
		case !pkceMatches(verifier, c.CodeChallenge):
			h.oauthError(w, r, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code challenge.")
		default:
			h.issueTokens(w, r, client.ClientID, c.UserID, true)
		}

	case "refresh_token":
		refresh := form.Get("refresh_token")
		if refresh == "" {
			h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "refresh_token is required.")
			return
		}
		access, next := newTokenPair(h, "", 0, true)
		err := h.OAuth.RotateRefreshToken(r.Context(), auth.HashToken(refresh), client.ClientID, next, h.Now())
		switch hypertube.ErrorCode(err) {
		case "":
			h.writeJSON(w, r, http.StatusOK, access)
		case hypertube.ENOTFOUND, hypertube.EFORBIDDEN:
			if hypertube.ErrorCode(err) == hypertube.EFORBIDDEN {
				h.log.Warn("api: refresh token reused; grant revoked", "client", client.ClientID)
			}
			h.oauthError(w, r, http.StatusBadRequest, "invalid_grant", hypertube.ErrorMessage(err))
		default:
			h.fail(w, r, err)
		}

	case "":
		h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "grant_type is required.")
	default:
		h.oauthError(w, r, http.StatusBadRequest, "unsupported_grant_type",
			"Use client_credentials, authorization_code or refresh_token.")
	}
}

// newTokenPair makes fresh tokens and the row that stores their hashes.
func newTokenPair(h *handler, clientID string, userID int64, withRefresh bool) (tokenResponse, *store.OAuthToken) {
	now := h.Now()
	resp := tokenResponse{
		AccessToken: "hta_" + auth.NewToken(),
		TokenType:   "Bearer",
		ExpiresIn:   int(AccessTokenLifetime.Seconds()),
	}
	row := &store.OAuthToken{
		AccessHash: auth.HashToken(resp.AccessToken), ClientID: clientID, UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(AccessTokenLifetime),
	}
	if withRefresh {
		resp.RefreshToken = "htr_" + auth.NewToken()
		row.RefreshHash = auth.HashToken(resp.RefreshToken)
		row.RefreshExpiresAt = now.Add(RefreshTokenLifetime)
	}
	return resp, row
}

// issueTokens answers new tokens. A client-credentials grant gets no refresh
// token (RFC 6749 §4.4.3): the app can always ask again.
func (h *handler) issueTokens(w http.ResponseWriter, r *http.Request, clientID string, userID int64, withRefresh bool) {
	resp, t := newTokenPair(h, clientID, userID, withRefresh)
	if err := h.OAuth.CreateToken(r.Context(), t); err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, resp)
}

// handleRevoke is RFC 7009's revocation endpoint. Revoking either token of
// a grant revokes the whole grant.
func (h *handler) handleRevoke(w http.ResponseWriter, r *http.Request) {
	client, ok := h.readTokenForm(w, r)
	if !ok {
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		h.oauthError(w, r, http.StatusBadRequest, "invalid_request", "token is required.")
		return
	}
	if err := h.OAuth.RevokeToken(r.Context(), auth.HashToken(token), client.ClientID, h.Now()); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

// pkceMatches checks an S256 code verifier against its challenge.
func pkceMatches(verifier, challenge string) bool {
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
