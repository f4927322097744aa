package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
)

// AppService registers the third-party apps people make on their profile
// (api.Clients).
type AppService interface {
	// Create returns the app's id and its secret, which is kept only as a
	// hash: it can be shown once.
	Create(ctx context.Context, userID int64, name string, redirectURIs []string) (clientID, secret string, err error)
	List(ctx context.Context, userID int64) ([]api.Client, error)
	// Revoke ends the app and its tokens; another user's app is ENOTFOUND.
	Revoke(ctx context.Context, userID int64, clientID string) error
}

var _ AppService = (*api.Clients)(nil)

const (
	maxAppName         = 100
	maxAppRedirectURIs = 10
	maxRedirectURI     = 2000
)

// appsSection is the "Apps" part of the profile page.
type appsSection struct {
	Enabled bool
	List    []api.Client
	Form    appForm
	Errors  map[string]string
	// Created is the app just made, with the one showing of its secret.
	Created *createdApp
}

type appForm struct {
	Name, RedirectURIs string
}

type createdApp struct {
	Name, ClientID, Secret string
}

// appsSection lists the person's apps. The profile page stays usable if
// the list cannot be read: the section says so instead.
func (h *handler) appsSection(r *http.Request, u *hypertube.User) appsSection {
	s := appsSection{Enabled: h.apps != nil, Errors: map[string]string{}}
	if !s.Enabled {
		return s
	}
	list, err := h.apps.List(r.Context(), u.ID)
	if err != nil {
		h.log.Error("list apps", "user", u.ID, "err", err)
		s.Errors["list"] = h.t(r, "error.internal")
	}
	s.List = list
	return s
}

func (h *handler) handleCreateApp(w http.ResponseWriter, r *http.Request) {
	if h.apps == nil {
		h.renderError(w, r, http.StatusNotFound, h.t(r, "error.pageNotFound"))
		return
	}
	p := h.profilePage(r)
	f := appForm{Name: strings.TrimSpace(r.PostFormValue("app_name")), RedirectURIs: r.PostFormValue("app_redirect_uris")}
	p.Apps.Form = f
	errs := p.Apps.Errors
	switch n := utf8.RuneCountInString(f.Name); {
	case n == 0:
		errs["app_name"] = h.t(r, "apps.nameMissing")
	case n > maxAppName:
		errs["app_name"] = h.t(r, "apps.nameTooLong", "max", maxAppName)
	}
	uris, msg := h.readRedirectURIs(r, f.RedirectURIs)
	if msg != "" {
		errs["app_redirect_uris"] = msg
	}
	if len(errs) > 0 {
		h.render(w, r, http.StatusBadRequest, "profile.html", p)
		return
	}
	id, secret, err := h.apps.Create(r.Context(), p.User.ID, f.Name, uris)
	if err != nil {
		if hypertube.ErrorCode(err) != hypertube.EINVALID {
			h.fail(w, r, err)
			return
		}
		errs["app_redirect_uris"] = h.message(r, err)
		h.render(w, r, http.StatusBadRequest, "profile.html", p)
		return
	}
	h.log.Info("app created", "user", p.User.ID, "client", id)
	// The secret is on this page only; it is not kept, so neither a
	// redirect nor a later visit could show it.
	p.Apps = h.appsSection(r, p.User)
	p.Apps.Created = &createdApp{Name: f.Name, ClientID: id, Secret: secret}
	h.render(w, r, http.StatusOK, "profile.html", p)
}

func (h *handler) handleRevokeApp(w http.ResponseWriter, r *http.Request) {
	if h.apps == nil {
		h.renderError(w, r, http.StatusNotFound, h.t(r, "error.pageNotFound"))
		return
	}
	u := userOf(r)
	id := r.PathValue("id")
	if err := h.apps.Revoke(r.Context(), u.ID, id); err != nil {
		if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
			h.renderError(w, r, http.StatusNotFound, h.t(r, "apps.notFound"))
			return
		}
		h.fail(w, r, err)
		return
	}
	h.log.Info("app revoked", "user", u.ID, "client", id)
	http.Redirect(w, r, "/profile?done=appRevoked#apps", http.StatusSeeOther)
}

// readRedirectURIs reads one URI a line. Only https and http on the
// loopback interface are offered here: a code sent over plain http to
// another host could be read on the way. It returns the message for the
// first bad line.
func (h *handler) readRedirectURIs(r *http.Request, text string) ([]string, string) {
	var uris []string
	seen := map[string]bool{}
	for line := range strings.Lines(text) {
		s := strings.TrimSpace(line)
		if s == "" || seen[s] {
			continue
		}
		if key := checkRedirectURI(s); key != "" {
			return nil, h.t(r, key, "uri", s)
		}
		seen[s] = true
		uris = append(uris, s)
	}
	if len(uris) > maxAppRedirectURIs {
		return nil, h.t(r, "apps.tooManyRedirects", "max", maxAppRedirectURIs)
	}
	return uris, ""
}

// checkRedirectURI returns the catalog key of what is wrong with s, or "".
func checkRedirectURI(s string) string {
	if len(s) > maxRedirectURI {
		return "apps.redirectTooLong"
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "apps.redirectNotAbsolute"
	}
	if u.Fragment != "" || strings.Contains(s, "#") || u.User != nil {
		return "apps.redirectExtras"
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return ""
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return ""
		}
		return "apps.redirectHTTP"
	default:
		return "apps.redirectScheme"
	}
}
