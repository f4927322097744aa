package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

const (
	oauthCookie   = "hypertube_oauth"
	pendingCookie = "hypertube_pending"
	// oauthTTL is how long a person may spend at the provider.
	oauthTTL = 10 * time.Minute
	// pendingTTL is how long a person may take to choose a username.
	pendingTTL = 15 * time.Minute
)

// oauthFlow is what the browser keeps between the start of a sign-in at a
// provider and its callback.
type oauthFlow struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Verifier string `json:"v"`
	Next     string `json:"n"`
}

// pendingIdentity is a provider's account with no Hypertube account yet,
// waiting for its owner to choose a username (or an email address).
type pendingIdentity struct {
	Provider      string `json:"p"`
	Subject       string `json:"sub"`
	Email         string `json:"e"`
	EmailVerified bool   `json:"ev"`
	Username      string `json:"u"`
	FirstName     string `json:"f"`
	LastName      string `json:"l"`
	Next          string `json:"n"`
}

// identityProvider names p in stored identities: its name, or for a
// generic OIDC provider its issuer, which stays the same if the site's
// configuration renames it.
func identityProvider(p auth.Provider) string {
	if o, ok := p.(interface{ Issuer() string }); ok && p.Name() == "oidc" {
		return o.Issuer()
	}
	return p.Name()
}

func (h *handler) handleOAuthStart(w http.ResponseWriter, r *http.Request) {
	p := h.provider(r.PathValue("provider"))
	if p == nil {
		h.renderError(w, r, http.StatusNotFound, h.t(r, "auth.noProvider"))
		return
	}
	flow := oauthFlow{Provider: p.Name(), State: auth.NewState(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(r.FormValue("next"))}
	target := p.AuthCodeURL(flow.State, flow.Verifier)
	if target == "" {
		h.renderError(w, r, http.StatusServiceUnavailable, h.t(r, "auth.providerDown", "provider", p.Label()))
		return
	}
	if err := h.setSealedCookie(w, oauthCookie, "oauth", flow, oauthTTL); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (h *handler) handleOAuthCallback(w http.ResponseWriter, r *http.Request) {
	p := h.provider(r.PathValue("provider"))
	if p == nil {
		h.renderError(w, r, http.StatusNotFound, h.t(r, "auth.noProvider"))
		return
	}
	var flow oauthFlow
	ok := h.sealedCookie(r, oauthCookie, "oauth", &flow)
	h.clearCookie(w, oauthCookie)
	if !ok || flow.Provider != p.Name() || !auth.SameState(flow.State, r.FormValue("state")) {
		h.renderError(w, r, http.StatusBadRequest, h.t(r, "auth.badState"))
		return
	}
	if r.FormValue("error") != "" {
		h.renderError(w, r, http.StatusUnauthorized, h.t(r, "auth.providerRefused", "provider", p.Label()))
		return
	}
	code := r.FormValue("code")
	if code == "" {
		h.renderError(w, r, http.StatusBadRequest, h.t(r, "auth.badState"))
		return
	}
	prof, err := p.Exchange(r.Context(), code, flow.Verifier)
	if err != nil {
		h.log.Warn("oauth exchange", "provider", p.Name(), "err", err)
		h.renderError(w, r, http.StatusBadGateway, h.t(r, "auth.providerFailed", "provider", p.Label()))
		return
	}
	if prof.Subject == "" {
		h.renderError(w, r, http.StatusBadGateway, h.t(r, "auth.providerFailed", "provider", p.Label()))
		return
	}
	pending := pendingIdentity{
		Provider: identityProvider(p), Subject: prof.Subject, Email: strings.TrimSpace(prof.Email),
		EmailVerified: prof.EmailVerified, Username: cleanUsername(prof.Username),
		FirstName: truncate(prof.FirstName, 100), LastName: truncate(prof.LastName, 100), Next: flow.Next,
	}
	h.signInWithIdentity(w, r, pending)
}

// signInWithIdentity signs in the account linked to the identity; else
// links it to the signed-in person, or to the account with the same
// verified email; else makes an account, asking for a username when the
// provider's cannot be used.
func (h *handler) signInWithIdentity(w http.ResponseWriter, r *http.Request, p pendingIdentity) {
	ctx := r.Context()
	id, err := h.users.FindIdentity(ctx, p.Provider, p.Subject)
	switch {
	case err == nil:
		u, err := h.users.FindUserByID(ctx, id.UserID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.finishSignIn(w, r, u, p.Next)
		return
	case hypertube.ErrorCode(err) != hypertube.ENOTFOUND:
		h.fail(w, r, err)
		return
	}

	u := userOf(r)
	if u == nil && p.EmailVerified && p.Email != "" {
		if found, err := h.users.FindUserByLogin(ctx, p.Email); err == nil && strings.EqualFold(found.Email, p.Email) {
			u = found
		}
	}
	if u != nil {
		if err := h.link(r, u, p); err != nil {
			h.fail(w, r, err)
			return
		}
		h.finishSignIn(w, r, u, p.Next)
		return
	}
	h.createFromIdentity(w, r, p, p.Username, p.Email)
}

// createFromIdentity makes an account for a provider's identity with the
// given username and email; when either cannot be used, the person is asked
// to choose.
func (h *handler) createFromIdentity(w http.ResponseWriter, r *http.Request, p pendingIdentity, username, email string) {
	f := accountForm{Username: username, Email: email}
	if username == "" {
		f.fail("username", h.t(r, "auth.chooseUsername"))
	}
	if f.ok() {
		u := &hypertube.User{Username: username, Email: email, FirstName: p.FirstName, LastName: p.LastName,
			Language: visitorOf(r).lang}
		err := h.users.CreateUser(r.Context(), u)
		if err == nil {
			if err := h.link(r, u, p); err != nil {
				h.fail(w, r, err)
				return
			}
			h.clearCookie(w, pendingCookie)
			h.log.Info("account created", "user", u.ID, "provider", p.Provider)
			h.finishSignIn(w, r, u, p.Next)
			return
		}
		if !h.fieldFailed(r, &f, err) {
			h.fail(w, r, err)
			return
		}
		if fe, ok := errors.AsType[*store.FieldError](err); ok && fe.Key == store.KeyEmailTaken {
			f.Errors["email"] = h.t(r, "auth.emailTakenSignIn")
		}
	}
	if err := h.setSealedCookie(w, pendingCookie, "pending", p, pendingTTL); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "choose.html", f)
}

func (h *handler) link(r *http.Request, u *hypertube.User, p pendingIdentity) error {
	return h.users.CreateIdentity(r.Context(), &hypertube.Identity{
		Provider: p.Provider, Subject: p.Subject, UserID: u.ID, Email: p.Email,
		EmailVerified: p.EmailVerified, CreatedAt: h.now(),
	})
}

func (h *handler) finishSignIn(w http.ResponseWriter, r *http.Request, u *hypertube.User, next string) {
	if v := visitorOf(r); v.user == nil || v.user.ID != u.ID {
		if err := h.startSession(w, r, u); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
}

func (h *handler) handleChooseForm(w http.ResponseWriter, r *http.Request) {
	var p pendingIdentity
	if !h.sealedCookie(r, pendingCookie, "pending", &p) {
		h.renderError(w, r, http.StatusBadRequest, h.t(r, "auth.pendingExpired"))
		return
	}
	h.render(w, r, http.StatusOK, "choose.html", accountForm{Username: p.Username, Email: p.Email})
}

func (h *handler) handleChoose(w http.ResponseWriter, r *http.Request) {
	var p pendingIdentity
	if !h.sealedCookie(r, pendingCookie, "pending", &p) {
		h.renderError(w, r, http.StatusBadRequest, h.t(r, "auth.pendingExpired"))
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	if username == "" {
		username = "-" // refused by the store with its message
	}
	h.createFromIdentity(w, r, p, username, strings.TrimSpace(r.PostFormValue("email")))
}

// cleanUsername keeps a provider's username when it fits our rules, so the
// person is only asked to choose when it does not.
func cleanUsername(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 3 || len(s) > 30 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return ""
		}
	}
	return s
}
