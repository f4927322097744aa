package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
)

const maxTorrentUpload = 4 << 20

type movieSummary struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type movieJSON struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	ImdbRating    *float64   `json:"imdb_rating"`
	Year          *int       `json:"year"`
	LengthMinutes *int       `json:"length_minutes"`
	Subtitles     []Subtitle `json:"subtitles"`
	CommentsCount int        `json:"comments_count"`
}

// nonZero turns the zero that means "unknown" into null.
func nonZero[T int | float64](v T) *T {
	if v == 0 {
		return nil
	}
	return &v
}

func (h *handler) movieJSON(ctx context.Context, m *hypertube.Movie) (movieJSON, error) {
	j := movieJSON{ID: m.ID, Name: m.Title, ImdbRating: nonZero(m.Rating), Year: nonZero(m.Year),
		LengthMinutes: nonZero(m.Runtime), Subtitles: []Subtitle{}}
	n, err := h.Comments.CountComments(ctx, m.ID)
	if err != nil {
		return j, err
	}
	j.CommentsCount = n
	if h.Subtitles != nil {
		subs, err := h.Subtitles(ctx, m.ID)
		if err != nil {
			return j, err
		}
		if subs != nil {
			j.Subtitles = subs
		}
	}
	return j, nil
}

// handleListMovies is the front page: it needs no token.
func (h *handler) handleListMovies(w http.ResponseWriter, r *http.Request, _ *hypertube.User) {
	limit, offset, err := pageParams(r, 'm')
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	if utf8.RuneCountInString(q) > 200 {
		h.fail(w, r, hypertube.Errorf(hypertube.EINVALID, "A search is 200 characters at most."))
		return
	}
	movies, total, err := h.Movies.FindMovies(r.Context(), hypertube.MovieFilter{Query: q, Offset: int(offset), Limit: limit})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]movieSummary, 0, len(movies))
	for _, m := range movies {
		items = append(items, movieSummary{m.ID, m.Title})
	}
	next := ""
	if end := offset + int64(len(movies)); len(movies) > 0 && end < int64(total) {
		next = nextURL(r, 'm', end)
	}
	h.writePage(w, r, items, next)
}

func (h *handler) handleGetMovie(w http.ResponseWriter, r *http.Request, _ *hypertube.User) {
	m, ok := h.findMovie(w, r)
	if !ok {
		return
	}
	j, err := h.movieJSON(r.Context(), m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, j)
}

func (h *handler) findMovie(w http.ResponseWriter, r *http.Request) (*hypertube.Movie, bool) {
	id, err := pathID(r)
	if err == nil {
		var m *hypertube.Movie
		if m, err = h.Movies.FindMovieByID(r.Context(), id); err == nil {
			return m, true
		}
	}
	h.fail(w, r, err)
	return nil, false
}

// handleAddMovie adds a film from a magnet link (JSON {"magnet": …}) or a
// .torrent file (multipart field "torrent").
func (h *handler) handleAddMovie(w http.ResponseWriter, r *http.Request, u *hypertube.User) {
	if !h.canManage(u) {
		h.fail(w, r, hypertube.Errorf(hypertube.EFORBIDDEN, "Your account may not add films."))
		return
	}
	if h.Engine == nil {
		h.fail(w, r, hypertube.Errorf(hypertube.EUNAVAILABLE, "This server cannot add films right now."))
		return
	}
	var (
		infoHash, title, magnet string
		field                   string
		err                     error
	)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		field = "torrent"
		data, ok := h.readTorrentUpload(w, r)
		if !ok {
			return
		}
		title = torrentName(data)
		infoHash, err = h.Engine.AddTorrent(r.Context(), data)
	} else {
		var body struct {
			Magnet string `json:"magnet"`
		}
		if !h.decodeJSON(w, r, &body) {
			return
		}
		field = "magnet"
		magnet = strings.TrimSpace(body.Magnet)
		m, perr := metainfo.ParseMagnetUri(magnet)
		if !strings.HasPrefix(magnet, "magnet:?") || perr != nil {
			h.failValidation(w, r, validationError{"magnet": "A magnet link starts with magnet:?xt=urn:btih: and names a torrent."})
			return
		}
		title = m.DisplayName
		infoHash, err = h.Engine.AddMagnet(r.Context(), magnet)
	}
	if err != nil {
		if hypertube.ErrorCode(err) == hypertube.EINVALID {
			h.failValidation(w, r, validationError{field: hypertube.ErrorMessage(err)})
			return
		}
		h.fail(w, r, err)
		return
	}

	// The same torrent added twice is the same film.
	if m, err := h.Movies.FindMovieByInfoHash(r.Context(), infoHash); err == nil {
		h.answerMovie(w, r, http.StatusOK, m)
		return
	} else if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		h.fail(w, r, err)
		return
	}
	if magnet == "" {
		magnet = "magnet:?xt=urn:btih:" + infoHash
	}
	m := &hypertube.Movie{Title: cleanTitle(title), Source: "user", InfoHash: infoHash, Magnet: magnet}
	if m.Title == "" {
		m.Title = "Film " + infoHash[:min(8, len(infoHash))]
	}
	if err := h.Movies.CreateMovie(r.Context(), m); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("api: film added", "id", m.ID, "infohash", infoHash, "user", u.ID)
	h.answerMovie(w, r, http.StatusCreated, m)
}

func (h *handler) answerMovie(w http.ResponseWriter, r *http.Request, status int, m *hypertube.Movie) {
	j, err := h.movieJSON(r.Context(), m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/movies/"+strconv.FormatInt(m.ID, 10))
	h.writeJSON(w, r, status, j)
}

func (h *handler) readTorrentUpload(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTorrentUpload+64<<10)
	if err := r.ParseMultipartForm(maxTorrentUpload + 64<<10); err != nil {
		var me *http.MaxBytesError
		if errors.As(err, &me) {
			h.fail(w, r, err)
		} else {
			h.fail(w, r, hypertube.Errorf(hypertube.EINVALID, "The multipart body cannot be read."))
		}
		return nil, false
	}
	f, _, err := r.FormFile("torrent")
	if err != nil {
		h.failValidation(w, r, validationError{"torrent": "Attach the .torrent file in the field \"torrent\"."})
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTorrentUpload+1))
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	if len(data) > maxTorrentUpload {
		h.fail(w, r, &http.MaxBytesError{Limit: maxTorrentUpload})
		return nil, false
	}
	return data, true
}

// torrentName is the name a .torrent gives its content, "" when unreadable:
// the engine has the last word on whether the file is valid.
func torrentName(data []byte) string {
	mi, err := metainfo.Load(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		return ""
	}
	return info.BestName()
}

// cleanTitle makes a release name readable: dots and underscores become
// spaces, control characters go, and it fits the store's limit.
func cleanTitle(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '.' || r == '_':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200])
	}
	return s
}

// handleDeleteMovie removes a film; its torrent is dropped when the engine
// can, its downloaded files stay on disk.
func (h *handler) handleDeleteMovie(w http.ResponseWriter, r *http.Request, u *hypertube.User) {
	if !h.canRemove(u) {
		h.fail(w, r, hypertube.Errorf(hypertube.EFORBIDDEN, "Only the site's administrators may remove films."))
		return
	}
	m, ok := h.findMovie(w, r)
	if !ok {
		return
	}
	if err := h.Movies.DeleteMovie(r.Context(), m.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if d, ok := h.Engine.(interface{ Drop(string) error }); ok {
		if err := d.Drop(m.InfoHash); err != nil && hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			h.log.Warn("api: drop torrent of deleted film", "id", m.ID, "err", err)
		}
	}
	h.log.Info("api: film removed", "id", m.ID, "user", u.ID)
	w.WriteHeader(http.StatusNoContent)
}
