package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/hypertube/hypertube"
)

type moviePage struct {
	Movie *hypertube.Movie
}

func (h *handler) handleMovie(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "movie.html", moviePage{Movie: m})
}

// movieFromPath finds the film named by the {id} of the URL; an id that is
// not a number names no film.
func (h *handler) movieFromPath(r *http.Request) (*hypertube.Movie, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "%s", msg("error.movieNotFound"))
	}
	return h.movies.FindMovieByID(r.Context(), id)
}

// ensureTorrent makes sure the engine has the film's torrent, adding it
// from its magnet (or bare info hash) when the engine does not know it yet,
// and returns its info hash.
func (h *handler) ensureTorrent(ctx context.Context, m *hypertube.Movie) (string, error) {
	if m.InfoHash != "" {
		if _, err := h.engine.Status(m.InfoHash); err == nil {
			return m.InfoHash, nil
		}
	}
	source := m.Magnet
	if source == "" {
		source = m.InfoHash
	}
	if source == "" {
		return "", hypertube.Errorf(hypertube.ENOTFOUND, "%s", msg("error.noSource"))
	}
	return h.engine.AddMagnet(ctx, source)
}
