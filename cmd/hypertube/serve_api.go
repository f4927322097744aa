package main

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/api"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/web"
)

// newAPI builds the REST API and OAuth2 server that the site mounts at
// /api/ and /oauth/. The consent page needs the site's session, and the
// site needs the API to mount it: site returns the site once it is built,
// which is before any request can arrive. Only admins, usernames, may
// remove films.
func newAPI(db *store.DB, movies hypertube.MovieService, engine api.Engine, oauth *store.OAuthService,
	site func() *web.Server, admins []string, proxies auth.Proxies, log *slog.Logger) (http.Handler, error) {
	return api.New(api.Config{
		Proxies:         proxies,
		CanRemoveMovies: func(u *hypertube.User) bool { return slices.Contains(admins, u.Username) },
		Users:           store.NewUserService(db),
		Movies:          movies,
		Comments:        store.NewCommentService(db),
		OAuth:           oauth,
		Engine:          engine,
		SessionUser:     func(r *http.Request) (*hypertube.User, bool) { return site().SessionUser(r) },
		CSRFToken:       func(r *http.Request) string { return site().CSRFToken(r) },
		CheckCSRF:       func(r *http.Request) bool { return site().CheckCSRF(r) },
		Logger:          log,
	})
}

// deleteExpiredOAuth keeps dead codes and tokens from piling up: apps
// that ask for a token on every run would otherwise grow the table for
// good.
func deleteExpiredOAuth(ctx context.Context, oauth *store.OAuthService, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := oauth.DeleteExpiredOAuth(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("delete expired OAuth codes and tokens", "err", err)
		} else if n > 0 {
			log.Info("deleted expired OAuth codes and tokens", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
