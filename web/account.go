package web

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

// accountForm is a sign-up, sign-in or profile form: what the person typed
// (never the password) and what was wrong with it, by field.
type accountForm struct {
	Login     string // sign-in: username or email
	Email     string
	Username  string
	FirstName string
	LastName  string
	Language  string
	Next      string
	Errors    map[string]string
	FormError string
	Notice    string
}

func (f *accountForm) fail(field, message string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = message
	}
}

func (f *accountForm) ok() bool { return len(f.Errors) == 0 && f.FormError == "" }

// fieldFailed puts err next to the field it is about, if it is about one,
// and reports whether it was shown; other errors are the caller's to fail.
func (h *handler) fieldFailed(r *http.Request, f *accountForm, err error) bool {
	if fe, ok := errors.AsType[*store.FieldError](err); ok {
		f.fail(fe.Field, h.t(r, fe.Key))
		return true
	}
	if pe, ok := errors.AsType[*auth.PasswordError](err); ok {
		f.fail("password", h.t(r, pe.Key))
		return true
	}
	return false
}

func readAccountForm(r *http.Request) accountForm {
	return accountForm{
		Email:     strings.TrimSpace(r.PostFormValue("email")),
		Username:  strings.TrimSpace(r.PostFormValue("username")),
		FirstName: strings.TrimSpace(r.PostFormValue("first_name")),
		LastName:  strings.TrimSpace(r.PostFormValue("last_name")),
		Next:      localPath(r.FormValue("next")),
	}
}

// requireNames asks for what the store accepts empty but a person must give.
func (h *handler) requireNames(r *http.Request, f *accountForm) {
	if f.FirstName == "" {
		f.fail("first_name", h.t(r, "account.firstNameMissing"))
	}
	if f.LastName == "" {
		f.fail("last_name", h.t(r, "account.lastNameMissing"))
	}
}

func (h *handler) handleSignUpForm(w http.ResponseWriter, r *http.Request) {
	if userOf(r) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "signup.html", accountForm{Next: localPath(r.FormValue("next"))})
}

func (h *handler) handleSignUp(w http.ResponseWriter, r *http.Request) {
	f := readAccountForm(r)
	if !h.limits.signupIP.Allow(h.proxies.ClientIP(r), h.now()) {
		f.FormError = h.t(r, "account.tooManySignups")
		h.render(w, r, http.StatusTooManyRequests, "signup.html", f)
		return
	}
	password := r.PostFormValue("password")
	h.requireNames(r, &f)
	if err := auth.CheckPasswordStrength(password, f.Username, f.Email, f.FirstName, f.LastName); err != nil {
		h.fieldFailed(r, &f, err)
	}
	if f.Username == "" {
		f.fail("username", h.t(r, store.KeyUsernameLength))
	}
	if f.Email == "" {
		f.fail("email", h.t(r, store.KeyEmailMissing))
	}
	if !f.ok() {
		h.render(w, r, http.StatusBadRequest, "signup.html", f)
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u := &hypertube.User{Username: f.Username, Email: f.Email, FirstName: f.FirstName, LastName: f.LastName,
		Language: visitorOf(r).lang, PasswordHash: hash}
	if err := h.users.CreateUser(r.Context(), u); err != nil {
		if h.fieldFailed(r, &f, err) {
			h.render(w, r, statusOf(hypertube.ErrorCode(err)), "signup.html", f)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.log.Info("account created", "user", u.ID)
	if err := h.startSession(w, r, u); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func (h *handler) handleSignInForm(w http.ResponseWriter, r *http.Request) {
	f := accountForm{Next: localPath(r.FormValue("next"))}
	if userOf(r) != nil {
		http.Redirect(w, r, f.Next, http.StatusSeeOther)
		return
	}
	switch r.FormValue("done") {
	case "deleted":
		f.Notice = h.t(r, "account.deleted")
	case "signedout":
		f.Notice = h.t(r, "auth.signedOut")
	}
	h.render(w, r, http.StatusOK, "signin.html", f)
}

// dummyHash is checked against when no account matches, so that a wrong
// username takes as long as a wrong password and does not give away which
// accounts exist.
var dummyHash = sync.OnceValue(func() string {
	hash, _ := auth.HashPassword(auth.NewToken())
	return hash
})

func (h *handler) handleSignIn(w http.ResponseWriter, r *http.Request) {
	f := accountForm{Login: strings.TrimSpace(r.PostFormValue("login")), Next: localPath(r.FormValue("next"))}
	password := r.PostFormValue("password")
	now := h.now()
	// Both buckets are spent on every attempt so that one cannot be used to
	// probe the other.
	ipOK := h.limits.signinIP.Allow(h.proxies.ClientIP(r), now)
	accountOK := h.limits.signinAccount.Allow(strings.ToLower(f.Login), now)
	if !ipOK || !accountOK {
		f.FormError = h.t(r, "auth.tooManyAttempts")
		h.render(w, r, http.StatusTooManyRequests, "signin.html", f)
		return
	}
	if f.Login == "" || password == "" {
		f.FormError = h.t(r, "auth.missingLogin")
		h.render(w, r, http.StatusBadRequest, "signin.html", f)
		return
	}
	u, err := h.users.FindUserByLogin(r.Context(), f.Login)
	if err != nil && hypertube.ErrorCode(err) != hypertube.ENOTFOUND && hypertube.ErrorCode(err) != hypertube.EINVALID {
		h.fail(w, r, err)
		return
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	match, err := auth.CheckPassword(hash, password)
	if err != nil {
		h.log.Error("check password", "err", err)
	}
	if u == nil || u.PasswordHash == "" || !match {
		f.FormError = h.t(r, "auth.badLogin")
		h.render(w, r, http.StatusUnauthorized, "signin.html", f)
		return
	}
	if auth.NeedsRehash(u.PasswordHash) {
		if fresh, err := auth.HashPassword(password); err == nil {
			u.PasswordHash = fresh
			if err := h.users.UpdateUser(r.Context(), u); err != nil {
				h.log.Warn("rehash password", "user", u.ID, "err", err)
			}
		}
	}
	if err := h.startSession(w, r, u); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func (h *handler) handleSignOut(w http.ResponseWriter, r *http.Request) {
	h.endSession(w, r)
	http.Redirect(w, r, "/signin?done=signedout", http.StatusSeeOther)
}
