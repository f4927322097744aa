package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

// The API's consent page (/oauth/authorize) lives inside the site's
// session: these methods are the hooks api.Config asks for. They read what
// the site's middleware found, so the API must be mounted through
// Config.API, never beside the site.

// SessionUser returns the person signed in on r's browser.
func (s *Server) SessionUser(r *http.Request) (*hypertube.User, bool) {
	u := userOf(r)
	return u, u != nil
}

// CSRFToken returns the token a form on r's page must send back. It is ""
// for a visitor without a session: the consent page sends those to sign in
// first.
func (s *Server) CSRFToken(r *http.Request) string {
	v := visitorOf(r)
	if v.sessionHash == "" {
		return ""
	}
	return s.h.sign("csrf/session", v.sessionHash)
}

// CheckCSRF reports whether r carries its visitor's token, in the
// X-CSRF-Token header or the csrf form field.
func (s *Server) CheckCSRF(r *http.Request) bool {
	token := r.Header.Get(csrfHeader)
	if token == "" {
		token = r.PostFormValue(csrfField)
	}
	return s.h.validCSRF(r, token)
}

// AccessTokenFinder finds the live access token with a hash
// (store.OAuthService); ENOTFOUND when unknown, expired or revoked.
type AccessTokenFinder interface {
	FindAccessToken(ctx context.Context, hash string, now time.Time) (*store.OAuthToken, error)
}

// memberOrToken lets through signed-in people and, when the site knows
// access tokens, API clients with a valid bearer token, who then act as
// the token's user. Pictures use it: an app that lists users gets their
// picture_url and must be able to fetch it, while the pictures stay out
// of reach of anyone who is neither a member nor acting for one.
func (h *handler) memberOrToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := visitorOf(r)
		if v.user == nil && h.accessTokens != nil {
			if scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
				u, err := h.tokenUser(r.Context(), strings.TrimSpace(token))
				if err != nil {
					if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
						h.fail(w, r, err)
						return
					}
					w.Header().Set("WWW-Authenticate", `Bearer realm="hypertube", error="invalid_token"`)
					h.renderError(w, r, http.StatusUnauthorized, h.t(r, "apps.invalidToken"))
					return
				}
				v.user = u
				next.ServeHTTP(w, r)
				return
			}
		}
		h.requireUser(next).ServeHTTP(w, r)
	})
}

func (h *handler) tokenUser(ctx context.Context, token string) (*hypertube.User, error) {
	if token == "" || len(token) > 512 {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "Malformed token.")
	}
	t, err := h.accessTokens.FindAccessToken(ctx, auth.HashToken(token), h.now())
	if err != nil {
		return nil, err
	}
	return h.users.FindUserByID(ctx, t.UserID)
}
