package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/mail"
)

const (
	resetLifetime = time.Hour
	// mailTimeout bounds sending one mail, which happens after the answer.
	mailTimeout = time.Minute
)

type resetPage struct {
	Email     string
	Token     string
	Sent      bool
	Errors    map[string]string
	FormError string
}

func (h *handler) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "forgot.html", resetPage{})
}

// handleForgot mails a reset link when an account uses the address. The
// answer is the same either way, and the mail leaves after it, so neither
// the page nor its timing tells whether the address has an account.
func (h *handler) handleForgot(w http.ResponseWriter, r *http.Request) {
	p := resetPage{Email: strings.TrimSpace(r.PostFormValue("email"))}
	if p.Email == "" || !strings.Contains(p.Email, "@") {
		p.Errors = map[string]string{"email": h.t(r, "account.emailInvalid")}
		h.render(w, r, http.StatusBadRequest, "forgot.html", p)
		return
	}
	now := h.now()
	ipOK := h.limits.resetIP.Allow(h.proxies.ClientIP(r), now)
	addressOK := h.limits.resetAddress.Allow(strings.ToLower(p.Email), now)
	if !ipOK || !addressOK {
		p.FormError = h.t(r, "auth.tooManyResets")
		h.render(w, r, http.StatusTooManyRequests, "forgot.html", p)
		return
	}
	u, err := h.users.FindUserByLogin(r.Context(), p.Email)
	switch {
	case err == nil && strings.EqualFold(u.Email, p.Email):
		tok := auth.NewToken()
		if err := h.resets.CreateResetToken(r.Context(), u.ID, auth.HashToken(tok), now.Add(resetLifetime)); err != nil {
			h.fail(w, r, err)
			return
		}
		lang := u.Language
		if lang == "" {
			lang = visitorOf(r).lang
		}
		h.sendResetMail(context.WithoutCancel(r.Context()), u, lang, h.baseURL+"/reset/"+tok)
	case err != nil && hypertube.ErrorCode(err) != hypertube.ENOTFOUND && hypertube.ErrorCode(err) != hypertube.EINVALID:
		h.fail(w, r, err)
		return
	}
	p.Sent = true
	h.render(w, r, http.StatusOK, "forgot.html", p)
}

func (h *handler) sendResetMail(ctx context.Context, u *hypertube.User, lang, link string) {
	m := mail.Message{
		To:      u.Email,
		Subject: h.catalog.T(lang, "mail.resetSubject"),
		Text: h.catalog.T(lang, "mail.resetText", "name", u.Username, "link", link,
			"minutes", int(resetLifetime/time.Minute)),
	}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, mailTimeout)
		defer cancel()
		if err := h.mailer.Send(ctx, m); err != nil {
			h.log.Error("send reset mail", "user", u.ID, "err", err)
		}
	}()
}

func (h *handler) handleResetForm(w http.ResponseWriter, r *http.Request) {
	// The token is only spent when the form is sent: mail scanners open
	// links, and must not use them up.
	h.render(w, r, http.StatusOK, "reset.html", resetPage{Token: r.PathValue("token")})
}

func (h *handler) handleReset(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	p := resetPage{Token: tok}
	password := r.PostFormValue("password")
	if err := auth.CheckPasswordStrength(password); err != nil {
		h.resetFailed(w, r, p, err)
		return
	}
	now := h.now()
	userID, err := h.resets.ConsumeResetToken(r.Context(), auth.HashToken(tok), now)
	if err != nil {
		if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
			p.FormError = h.t(r, "auth.resetExpired")
			h.render(w, r, http.StatusNotFound, "reset.html", p)
			return
		}
		h.fail(w, r, err)
		return
	}
	u, err := h.users.FindUserByID(r.Context(), userID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := auth.CheckPasswordStrength(password, u.Username, u.Email, u.FirstName, u.LastName); err != nil {
		// The link is spent; a fresh one in the form lets the person try
		// again without another mail.
		fresh := auth.NewToken()
		if err := h.resets.CreateResetToken(r.Context(), u.ID, auth.HashToken(fresh), now.Add(resetLifetime)); err != nil {
			h.fail(w, r, err)
			return
		}
		p.Token = fresh
		h.resetFailed(w, r, p, err)
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u.PasswordHash = hash
	if err := h.users.UpdateUser(r.Context(), u); err != nil {
		h.fail(w, r, err)
		return
	}
	// Whoever had the old password may hold a session: end them all.
	if err := h.sessions.DeleteUserSessions(r.Context(), u.ID, ""); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("password reset", "user", u.ID)
	visitorOf(r).sessionHash = "" // deleted above
	if err := h.startSession(w, r, u); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/profile?done=password", http.StatusSeeOther)
}

func (h *handler) resetFailed(w http.ResponseWriter, r *http.Request, p resetPage, err error) {
	f := accountForm{}
	if !h.fieldFailed(r, &f, err) {
		h.fail(w, r, err)
		return
	}
	p.Errors = f.Errors
	h.render(w, r, http.StatusBadRequest, "reset.html", p)
}
