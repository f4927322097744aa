package web

import (
	"context"
	"math"
	"net/http"
	"strconv"

	"github.com/hypertube/hypertube"
)

type moviePage struct {
	Movie *hypertube.Movie
	// Library is the film's releases and comments (film.go).
	Library *filmView
	// Resume is where this viewer left the film, in seconds; 0 starts it
	// from the beginning (never played, barely started, or finished).
	Resume float64
}

func (h *handler) handleMovie(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderFilm(w, r, http.StatusOK, m, nil)
}

// renderFilm renders the film page; draft is a comment that could not be
// posted, shown back in its form.
func (h *handler) renderFilm(w http.ResponseWriter, r *http.Request, status int, m *hypertube.Movie, draft *commentDraft) {
	p := moviePage{Resume: h.resumePosition(r, m.ID)}
	p.Movie, p.Library = h.filmDetails(r, m, draft)
	h.render(w, r, status, "movie.html", p)
}

// resumePosition is where the viewer left the film, when they left it
// between 5 % and 95 % of the way: the rest starts from the beginning.
func (h *handler) resumePosition(r *http.Request, movieID int64) float64 {
	u := userOf(r)
	if u == nil {
		return 0
	}
	w, err := h.watches.FindWatch(r.Context(), u.ID, movieID)
	if err != nil || w.Duration <= 0 {
		return 0
	}
	if f := w.Position / w.Duration; f < 0.05 || f > 0.95 {
		return 0
	}
	return w.Position
}

// movieFromPath finds the film named by the {id} of the URL; an id that is
// not a number names no film.
func (h *handler) movieFromPath(r *http.Request) (*hypertube.Movie, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, keyError(hypertube.ENOTFOUND, "error.movieNotFound")
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
		return "", keyError(hypertube.ENOTFOUND, "error.noSource")
	}
	return h.engine.AddMagnet(ctx, source)
}

// handleProgress remembers how far the person got in the film, sent by the
// film page's script every few seconds while it plays.
func (h *handler) handleProgress(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	position, err1 := strconv.ParseFloat(r.PostFormValue("position"), 64)
	duration, err2 := strconv.ParseFloat(r.PostFormValue("duration"), 64)
	if err1 != nil || err2 != nil || !finiteNonNegative(position) || !finiteNonNegative(duration) {
		h.fail(w, r, keyError(hypertube.EINVALID, "movie.badProgress"))
		return
	}
	if err := h.watches.RecordWatch(r.Context(), userOf(r).ID, m.ID, position, duration, h.now()); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func finiteNonNegative(f float64) bool { return f >= 0 && !math.IsInf(f, 0) && !math.IsNaN(f) }
