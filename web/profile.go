package web

import (
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
)

// profilePage is the signed-in person's own account: one form per change,
// each with its errors keyed by field name.
type profilePage struct {
	User        *hypertube.User
	Form        accountForm
	HasPassword bool
	Errors      map[string]string
	Notice      string
	Apps        appsSection
}

func (h *handler) profilePage(r *http.Request) profilePage {
	u := userOf(r)
	return profilePage{
		User:        u,
		Form:        accountForm{Email: u.Email, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Language: u.Language},
		HasPassword: u.PasswordHash != "",
		Errors:      map[string]string{},
		Apps:        h.appsSection(r, u),
	}
}

var profileNotices = map[string]string{
	"saved":    "profile.saved",
	"password": "profile.passwordChanged",
	"picture":  "profile.pictureChanged",
	"sessions": "profile.signedOutElsewhere",
	// apps.go
	"appRevoked": "apps.revoked",
}

func (h *handler) handleProfile(w http.ResponseWriter, r *http.Request) {
	p := h.profilePage(r)
	if key, ok := profileNotices[r.FormValue("done")]; ok {
		p.Notice = h.t(r, key)
	}
	h.render(w, r, http.StatusOK, "profile.html", p)
}

func (h *handler) handleUpdateProfile(w http.ResponseWriter, r *http.Request) {
	p := h.profilePage(r)
	f := readAccountForm(r)
	f.Language = r.PostFormValue("language")
	p.Form = f
	status := http.StatusBadRequest
	h.requireNames(r, &f)
	if f.Language != "" && !slices.Contains(h.catalog.Tags(), f.Language) {
		f.fail("language", h.t(r, "account.languageInvalid"))
	}
	if f.ok() {
		u := *p.User
		u.Email, u.Username, u.FirstName, u.LastName, u.Language = f.Email, f.Username, f.FirstName, f.LastName, f.Language
		err := h.users.UpdateUser(r.Context(), &u)
		if err == nil {
			if u.Language != "" {
				h.setCookie(w, langCookie, u.Language, langCookieAge)
			}
			http.Redirect(w, r, "/profile?done=saved", http.StatusSeeOther)
			return
		}
		if !h.fieldFailed(r, &f, err) {
			h.fail(w, r, err)
			return
		}
		status = statusOf(hypertube.ErrorCode(err))
	}
	p.Errors = f.Errors
	h.render(w, r, status, "profile.html", p)
}

func (h *handler) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	p := h.profilePage(r)
	u := *p.User
	current, password := r.PostFormValue("current_password"), r.PostFormValue("password")
	if u.PasswordHash != "" {
		if !h.limits.signinAccount.Allow(strings.ToLower(u.Username), h.now()) {
			p.Errors["current_password"] = h.t(r, "auth.tooManyAttempts")
			h.render(w, r, http.StatusTooManyRequests, "profile.html", p)
			return
		}
		if ok, _ := auth.CheckPassword(u.PasswordHash, current); !ok {
			p.Errors["current_password"] = h.t(r, "profile.wrongPassword")
			h.render(w, r, http.StatusBadRequest, "profile.html", p)
			return
		}
	}
	if err := auth.CheckPasswordStrength(password, u.Username, u.Email, u.FirstName, u.LastName); err != nil {
		f := accountForm{}
		if !h.fieldFailed(r, &f, err) {
			h.fail(w, r, err)
			return
		}
		p.Errors["password"] = f.Errors["password"]
		h.render(w, r, http.StatusBadRequest, "profile.html", p)
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u.PasswordHash = hash
	if err := h.users.UpdateUser(r.Context(), &u); err != nil {
		h.fail(w, r, err)
		return
	}
	// A new password should lock out whoever knew the old one.
	if err := h.sessions.DeleteUserSessions(r.Context(), u.ID, visitorOf(r).sessionHash); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile?done=password", http.StatusSeeOther)
}

func (h *handler) handleSignOutEverywhere(w http.ResponseWriter, r *http.Request) {
	v := visitorOf(r)
	if err := h.sessions.DeleteUserSessions(r.Context(), v.user.ID, v.sessionHash); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile?done=sessions", http.StatusSeeOther)
}

// handleDeleteAccount erases the account after the person confirms with
// their password, or, for accounts made through a provider, by typing
// their username.
func (h *handler) handleDeleteAccount(w http.ResponseWriter, r *http.Request) {
	p := h.profilePage(r)
	u := p.User
	confirmed := false
	if u.PasswordHash != "" {
		if !h.limits.signinAccount.Allow(strings.ToLower(u.Username), h.now()) {
			p.Errors["delete"] = h.t(r, "auth.tooManyAttempts")
			h.render(w, r, http.StatusTooManyRequests, "profile.html", p)
			return
		}
		confirmed, _ = auth.CheckPassword(u.PasswordHash, r.PostFormValue("confirm"))
	} else {
		confirmed = strings.EqualFold(strings.TrimSpace(r.PostFormValue("confirm")), u.Username)
	}
	if !confirmed {
		key := "profile.deleteWrongPassword"
		if u.PasswordHash == "" {
			key = "profile.deleteWrongUsername"
		}
		p.Errors["delete"] = h.t(r, key)
		h.render(w, r, http.StatusBadRequest, "profile.html", p)
		return
	}
	if err := h.sessions.DeleteUserSessions(r.Context(), u.ID, ""); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.users.DeleteUser(r.Context(), u.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if path, ok := h.picturePath(u.Picture); ok {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			h.log.Warn("remove picture", "user", u.ID, "err", err)
		}
	}
	h.log.Info("account deleted", "user", u.ID)
	h.endSession(w, r)
	http.Redirect(w, r, "/signin?done=deleted", http.StatusSeeOther)
}
