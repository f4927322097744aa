package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/hypertube/hypertube/auth"
)

const (
	csrfCookie = "hypertube_csrf"
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// maxFormBody bounds forms without files.
	maxFormBody = 64 << 10
	// maxUploadBody bounds forms with a file: the largest upload (a 5 MiB
	// picture) and the rest of the form.
	maxUploadBody = maxPictureSize + 64<<10
)

// csrfToken is the token this visitor's forms carry: an HMAC of the session
// when signed in, else of a random per-browser cookie (set here if missing).
// An attacker's page can neither read the cookie nor compute the HMAC.
func (h *handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := visitorOf(r)
	if v.sessionHash != "" {
		return h.sign("csrf/session", v.sessionHash)
	}
	if v.anonCSRF == "" {
		v.anonCSRF = auth.NewToken()
		h.setCookie(w, csrfCookie, v.anonCSRF, 365*24*time.Hour)
	}
	return h.sign("csrf/anon", v.anonCSRF)
}

// validCSRF accepts the session's token or, so that a form opened before
// signing in elsewhere still works, the browser cookie's.
func (h *handler) validCSRF(r *http.Request, token string) bool {
	if token == "" {
		return false
	}
	v := visitorOf(r)
	if v.sessionHash != "" && hmac.Equal([]byte(token), []byte(h.sign("csrf/session", v.sessionHash))) {
		return true
	}
	return v.anonCSRF != "" && hmac.Equal([]byte(token), []byte(h.sign("csrf/anon", v.anonCSRF)))
}

// sign is an HMAC-SHA256 of value under the site's secret, separated by
// purpose so a value signed for one use is never valid for another.
func (h *handler) sign(purpose, value string) string {
	m := hmac.New(sha256.New, h.secret)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF refuses state-changing requests without this visitor's token,
// read from the X-CSRF-Token header (scripts) or the csrf form field. It
// parses the form with a size limit. uploads marks routes taking a file:
// when theirs is too large the request goes on, unchecked, so the handler
// can say so next to the field; such a handler must stop at its form's
// parse error, and it will, since the body is gone.
func (h *handler) checkCSRF(next http.Handler, uploads bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		limit := int64(maxFormBody)
		if uploads {
			limit = maxUploadBody
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		token := r.Header.Get(csrfHeader)
		if token == "" {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			var err error
			if ct == "multipart/form-data" && uploads {
				err = r.ParseMultipartForm(maxUploadBody)
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					next.ServeHTTP(w, r)
					return
				}
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				h.renderError(w, r, http.StatusBadRequest, h.t(r, "error.badForm"))
				return
			}
			token = r.PostFormValue(csrfField)
		}
		if !h.validCSRF(r, token) {
			h.renderError(w, r, http.StatusForbidden, h.t(r, "error.csrf"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
