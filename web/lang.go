package web

import (
	"net/http"
	"slices"
	"time"
)

const langCookieAge = 365 * 24 * time.Hour

// handleLanguage is the footer's switcher: the choice is kept in a cookie
// and, for a signed-in person, in their profile, then they go back.
func (h *handler) handleLanguage(w http.ResponseWriter, r *http.Request) {
	lang := r.PostFormValue("lang")
	if !slices.Contains(h.catalog.Tags(), lang) {
		h.renderError(w, r, http.StatusBadRequest, h.t(r, "account.languageInvalid"))
		return
	}
	h.setCookie(w, langCookie, lang, langCookieAge)
	if u := userOf(r); u != nil && u.Language != lang {
		c := *u
		c.Language = lang
		if err := h.users.UpdateUser(r.Context(), &c); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}
