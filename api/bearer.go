package api

import (
	"net/http"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
)

// userHandler is a handler that knows who calls: nil for anonymous calls
// of public routes.
type userHandler func(w http.ResponseWriter, r *http.Request, u *hypertube.User)

const bearerRealm = `Bearer realm="hypertube"`

// private lets through only requests that carry a valid access token.
func (h *handler) private(fn userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.withCaller(w, r, fn, true)
	}
}

// public lets anyone through, but a token that is sent must be valid: an app
// should learn its token died rather than silently see less.
func (h *handler) public(fn userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.withCaller(w, r, fn, false)
	}
}

func (h *handler) withCaller(w http.ResponseWriter, r *http.Request, fn userHandler, required bool) {
	token, sent := bearerToken(r)
	key := "ip:" + h.Proxies.ClientIP(r)
	if sent {
		key = "token:" + auth.HashToken(token)
	}
	if !h.Limiter.Allow(key, h.Now()) {
		w.Header().Set("Retry-After", "1")
		h.writeError(w, r, http.StatusTooManyRequests, codeRateLimited, "Too many requests. Please slow down.", nil)
		return
	}
	if !sent {
		if required {
			w.Header().Set("WWW-Authenticate", bearerRealm)
			h.writeError(w, r, http.StatusUnauthorized, hypertube.EUNAUTHORIZED,
				"This needs an access token: send Authorization: Bearer <token>.", nil)
			return
		}
		fn(w, r, nil)
		return
	}
	u, err := h.tokenUser(r, token)
	if err != nil {
		if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("WWW-Authenticate", bearerRealm+`, error="invalid_token", error_description="The access token is unknown, expired or revoked."`)
		h.writeError(w, r, http.StatusUnauthorized, codeInvalidToken,
			"The access token is unknown, expired or revoked. Get a new one.", nil)
		return
	}
	fn(w, r, u)
}

func (h *handler) tokenUser(r *http.Request, token string) (*hypertube.User, error) {
	if token == "" || len(token) > 512 {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "Malformed token.")
	}
	t, err := h.OAuth.FindAccessToken(r.Context(), auth.HashToken(token), h.Now())
	if err != nil {
		return nil, err
	}
	// A deleted account takes its tokens along; ENOTFOUND here means the
	// same as an unknown token.
	return h.Users.FindUserByID(r.Context(), t.UserID)
}

// bearerToken returns the token of an Authorization: Bearer header, and
// whether the header was there at all.
func bearerToken(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if v == "" {
		return "", false
	}
	scheme, token, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}
