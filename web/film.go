package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/release"
)

// filmView is what the film page shows of the library: the releases and
// the choice among them, and the comments.
type filmView struct {
	Releases []releaseRow
	Chosen   *releaseRow
	// NoRelease says why no torrent could be chosen, when none could.
	NoRelease string
	Comments  commentsView
}

// releaseRow is one torrent of the film, as the film page lists it.
type releaseRow struct {
	Name, Quality, Codec, Size, Source string
	InfoHash                           string
	Seeders, Peers                     int
	Why                                string
	OK, Chosen                         bool
}

// filmDetails completes m with what the providers know, chooses the torrent
// it plays, and gathers the comments. Providers that fail leave the page as
// the store knows it; a failing store costs only its section.
func (h *handler) filmDetails(r *http.Request, m *hypertube.Movie, draft *commentDraft) (*hypertube.Movie, *filmView) {
	ctx := r.Context()
	v := &filmView{}
	if d, err := h.library.Details(ctx, m.ID); err == nil {
		m = d
	} else {
		h.log.Warn("film details", "movie", m.ID, "err", err)
	}
	best, ranked, err := h.library.ChooseRelease(ctx, m.ID, release.Chromium)
	switch {
	case err == nil:
		// The choice may have given the film another torrent: Play must
		// use it.
		if best.InfoHash != m.InfoHash {
			if fresh, err := h.movies.FindMovieByID(ctx, m.ID); err == nil {
				m = fresh
			}
		}
	case len(ranked) > 0 || m.InfoHash == "":
		// Releases exist but none is the film, or the film has no torrent
		// at all: the viewer should know why Play will not work.
		v.NoRelease = h.message(r, err)
		if hypertube.ErrorCode(err) == hypertube.EINTERNAL {
			h.log.Error("choose release", "movie", m.ID, "err", err)
			v.NoRelease = h.t(r, "error.internal")
		}
	}
	for _, rk := range ranked {
		row := releaseRow{
			Name: rk.Release.Name, Quality: rk.Info.Quality, Codec: rk.Info.Codec, Source: rk.Release.Source,
			Size: formatSize(rk.Release.Size), InfoHash: rk.Release.InfoHash,
			Seeders: rk.Release.Seeders, Peers: rk.Release.Peers, Why: rk.Why, OK: rk.OK,
			Chosen: rk.Release.InfoHash != "" && rk.Release.InfoHash == m.InfoHash,
		}
		v.Releases = append(v.Releases, row)
	}
	for i := range v.Releases {
		if v.Releases[i].Chosen {
			v.Chosen = &v.Releases[i]
			break
		}
	}
	v.Comments = h.commentSection(r, m.ID, draft)
	return m, v
}

// handleSelectRelease makes the release the viewer picked the one the film
// plays.
func (h *handler) handleSelectRelease(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	infoHash := strings.TrimSpace(r.PostFormValue("infohash"))
	if err := h.library.SelectRelease(r.Context(), m.ID, infoHash); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("release selected", "movie", m.ID, "infohash", infoHash, "user", userOf(r).ID)
	http.Redirect(w, r, movieURL(m.ID)+"#releases", http.StatusSeeOther)
}

// formatSize writes a byte count as people read it: "1.4 GB".
func formatSize(n int64) string {
	const unit = 1000
	if n <= 0 {
		return ""
	}
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
