package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/i18n"
)

const (
	sessionCookie = "hypertube_session"
	langCookie    = "hypertube_lang"
	// sessionLifetime slides: a session lives this long after its last use.
	sessionLifetime = 30 * 24 * time.Hour
	// touchEvery keeps the database from being written on every request.
	touchEvery = time.Hour
)

// visitor is who is asking: the signed-in person if any, and the language
// pages are shown in. Middleware fills it before the mux runs.
type visitor struct {
	user        *hypertube.User
	sessionHash string
	lang        string
	// anonCSRF is the value of the CSRF cookie of this browser, possibly
	// set by this very response.
	anonCSRF string
}

type visitorKey struct{}

func visitorOf(r *http.Request) *visitor {
	if v, ok := r.Context().Value(visitorKey{}).(*visitor); ok {
		return v
	}
	return &visitor{lang: i18n.Fallback}
}

func userOf(r *http.Request) *hypertube.User { return visitorOf(r).user }

// skipsSession lists paths that never need to know who asks: assets and
// machine endpoints would otherwise cost a database read each.
func skipsSession(path string) bool {
	return strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/announce" ||
		path == "/scrape" || path == "/favicon.ico"
}

// withVisitor finds the session of the request's cookie, slides its expiry
// at most once an hour, and picks the page language: profile, then cookie,
// then Accept-Language.
func (h *handler) withVisitor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &visitor{}
		if c, err := r.Cookie(csrfCookie); err == nil && validCookieToken(c.Value) {
			v.anonCSRF = c.Value
		}
		if !skipsSession(r.URL.Path) {
			h.loadSession(w, r, v)
		}
		profileLang := ""
		if v.user != nil {
			profileLang = v.user.Language
		}
		cookieLang := ""
		if c, err := r.Cookie(langCookie); err == nil {
			cookieLang = c.Value
		}
		v.lang = i18n.Negotiate(profileLang, cookieLang, r.Header.Get("Accept-Language"), h.catalog.Tags())
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), visitorKey{}, v)))
	})
}

func (h *handler) loadSession(w http.ResponseWriter, r *http.Request, v *visitor) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || !validCookieToken(c.Value) {
		return
	}
	hash := auth.HashToken(c.Value)
	s, err := h.sessions.FindSession(r.Context(), hash)
	if err != nil {
		if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			h.log.Error("find session", "err", err)
		}
		h.clearCookie(w, sessionCookie)
		return
	}
	now := h.now()
	if !s.ExpiresAt.After(now) {
		h.clearCookie(w, sessionCookie)
		return
	}
	u, err := h.users.FindUserByID(r.Context(), s.UserID)
	if err != nil {
		if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			h.log.Error("find session user", "err", err)
		}
		h.clearCookie(w, sessionCookie)
		return
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		expires := now.Add(sessionLifetime)
		if err := h.sessions.TouchSession(r.Context(), hash, now, expires); err != nil {
			h.log.Warn("touch session", "err", err)
		} else {
			h.setCookie(w, sessionCookie, c.Value, sessionLifetime)
		}
	}
	v.user, v.sessionHash = u, hash
}

// startSession signs the browser in as u with a fresh token, ending the
// session it had, so a token planted before sign-in is worth nothing.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, u *hypertube.User) error {
	v := visitorOf(r)
	if v.sessionHash != "" {
		h.sessions.DeleteSession(r.Context(), v.sessionHash)
	}
	tok := auth.NewToken()
	now := h.now()
	s := &hypertube.Session{
		TokenHash: auth.HashToken(tok), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(sessionLifetime), UserAgent: truncate(r.UserAgent(), 200), IP: h.proxies.ClientIP(r),
	}
	if err := h.sessions.CreateSession(r.Context(), s); err != nil {
		return err
	}
	h.setCookie(w, sessionCookie, tok, sessionLifetime)
	v.user, v.sessionHash = u, s.TokenHash
	return nil
}

// endSession signs this browser out.
func (h *handler) endSession(w http.ResponseWriter, r *http.Request) {
	v := visitorOf(r)
	if v.sessionHash != "" {
		if err := h.sessions.DeleteSession(r.Context(), v.sessionHash); err != nil {
			h.log.Warn("delete session", "err", err)
		}
	}
	h.clearCookie(w, sessionCookie)
	v.user, v.sessionHash = nil, ""
}

// requireUser sends people who are not signed in to the sign-in page, and
// back here afterwards.
func (h *handler) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userOf(r) != nil {
			next.ServeHTTP(w, r)
			return
		}
		target := "/signin"
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if next := r.URL.RequestURI(); next != "/" {
				target += "?next=" + url.QueryEscape(next)
			}
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// localPath returns next when it is a path on this site, else "/": a link
// to /signin?next=//evil.example must not send anyone elsewhere.
func localPath(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	return next
}

func (h *handler) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (h *handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// validCookieToken accepts what auth.NewToken makes (base64url), so that odd
// cookie values never reach the database.
func validCookieToken(s string) bool {
	if len(s) < 16 || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
