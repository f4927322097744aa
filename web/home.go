package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
)

const (
	// maxTorrentSize bounds an uploaded .torrent; real ones of films are a
	// few hundred KiB at most.
	maxTorrentSize = 2 << 20
	maxMagnetLen   = 8 << 10
	// titleWait is how long adding a film waits for a magnet's metadata to
	// name it before falling back to a placeholder title.
	titleWait = 3 * time.Second
)

type homePage struct {
	// Discover is the film list the URL asks for (discover.go).
	Discover discoverView
	// The add-film form: what the person typed and what was wrong with it.
	Magnet       string
	MagnetError  string
	TorrentError string
	FormError    string
}

func (h *handler) handleHome(w http.ResponseWriter, r *http.Request) {
	h.renderHome(w, r, http.StatusOK, homePage{})
}

func (h *handler) renderHome(w http.ResponseWriter, r *http.Request, status int, p homePage) {
	var discoverStatus int
	p.Discover, discoverStatus = h.discover(r)
	if status == http.StatusOK {
		status = discoverStatus
	}
	h.render(w, r, status, "home.html", p)
}

// handleAddMovie adds a film from a magnet link or an uploaded .torrent and
// sends the person to its page. Mistakes re-render the home page with the
// message next to the field and the typed link kept.
func (h *handler) handleAddMovie(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTorrentSize+64<<10)
	if err := r.ParseMultipartForm(maxTorrentSize + 64<<10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		p := homePage{TorrentError: h.t(r, "add.unreadable")}
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			p.TorrentError = h.t(r, "add.tooLarge")
		}
		h.renderHome(w, r, http.StatusBadRequest, p)
		return
	}
	p := homePage{Magnet: strings.TrimSpace(r.PostFormValue("magnet"))}

	var (
		infoHash, title string
		err             error
	)
	if data, ok, readErr := readTorrentUpload(r); readErr != nil {
		p.TorrentError = h.message(r, readErr)
		h.renderHome(w, r, http.StatusBadRequest, p)
		return
	} else if ok {
		infoHash, err = h.engine.AddTorrent(r.Context(), data)
		if err != nil {
			h.addFailed(w, r, p, "torrent", err)
			return
		}
	} else if p.Magnet != "" {
		title, err = parseMagnetInput(p.Magnet)
		if err == nil {
			infoHash, err = h.engine.AddMagnet(r.Context(), p.Magnet)
		}
		if err != nil {
			h.addFailed(w, r, p, "magnet", err)
			return
		}
	} else {
		p.MagnetError = h.t(r, "add.empty")
		h.renderHome(w, r, http.StatusBadRequest, p)
		return
	}

	// The same torrent added twice is the same film.
	if m, err := h.movies.FindMovieByInfoHash(r.Context(), infoHash); err == nil {
		http.Redirect(w, r, movieURL(m.ID), http.StatusSeeOther)
		return
	} else if hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		h.fail(w, r, err)
		return
	}

	m := &hypertube.Movie{Title: cleanTitle(title), Source: "user", InfoHash: infoHash}
	if strings.HasPrefix(strings.ToLower(p.Magnet), "magnet:") {
		m.Magnet = p.Magnet
	}
	if m.Title == "" || m.Magnet == "" {
		ctx, cancel := context.WithTimeout(r.Context(), titleWait)
		info, err := h.engine.Info(ctx, infoHash)
		cancel()
		if err == nil && m.Title == "" {
			m.Title = cleanTitle(info.Name)
		}
		if m.Magnet == "" {
			// A .torrent upload or a bare hash: the magnet lets the film be
			// added again after a restart.
			m.Magnet = "magnet:?xt=urn:btih:" + infoHash
		}
	}
	if m.Title == "" {
		m.Title = h.t(r, "add.untitled", "hash", shortHash(infoHash))
	}
	if err := h.movies.CreateMovie(r.Context(), m); err != nil {
		h.fail(w, r, err)
		return
	}
	h.log.Info("film added", "id", m.ID, "infohash", infoHash, "title", m.Title)
	http.Redirect(w, r, movieURL(m.ID), http.StatusSeeOther)
}

// addFailed shows an engine error next to the field it came from; errors
// that are not the person's fault are shown above the form.
func (h *handler) addFailed(w http.ResponseWriter, r *http.Request, p homePage, field string, err error) {
	status := statusOf(hypertube.ErrorCode(err))
	message := h.message(r, err)
	switch {
	case status == http.StatusInternalServerError:
		h.log.Error("add film", "err", err)
		p.FormError = h.t(r, "error.internal")
	case status != http.StatusBadRequest:
		p.FormError = message
	case field == "torrent":
		p.TorrentError = message
	default:
		p.MagnetError = message
	}
	h.renderHome(w, r, status, p)
}

// readTorrentUpload returns the uploaded .torrent's bytes, if a file was
// chosen. Whether they are a torrent is the engine's call (it parses them).
func readTorrentUpload(r *http.Request) ([]byte, bool, error) {
	f, fh, err := r.FormFile("torrent")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, keyError(hypertube.EINVALID, "add.unreadable")
	}
	defer f.Close()
	if fh.Size > maxTorrentSize {
		return nil, false, keyError(hypertube.EINVALID, "add.tooLarge")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTorrentSize+1))
	if err != nil {
		return nil, false, keyError(hypertube.EINVALID, "add.unreadable")
	}
	if len(data) == 0 {
		return nil, false, keyError(hypertube.EINVALID, "add.emptyFile")
	}
	return data, true, nil
}

var bareInfoHash = regexp.MustCompile(`^(?i:[0-9a-f]{40}|[a-z2-7]{32})$`)

// parseMagnetInput checks that s is a magnet link with a BitTorrent info hash
// (v1 or v2) or a bare info hash, and returns the magnet's display name.
func parseMagnetInput(s string) (string, error) {
	if len(s) > maxMagnetLen {
		return "", keyError(hypertube.EINVALID, "add.magnetTooLong")
	}
	if bareInfoHash.MatchString(s) {
		return "", nil
	}
	if !strings.HasPrefix(strings.ToLower(s), "magnet:") {
		return "", keyError(hypertube.EINVALID, "add.notMagnet")
	}
	m, err := metainfo.ParseMagnetV2Uri(s)
	if err != nil || (!m.InfoHash.Ok && !m.V2InfoHash.Ok) {
		return "", keyError(hypertube.EINVALID, "add.noInfoHash")
	}
	return m.DisplayName, nil
}

// cleanTitle makes a name from a magnet or torrent fit for a page title:
// no control characters, single spaces, at most 200 characters.
func cleanTitle(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}

func shortHash(infoHash string) string {
	if len(infoHash) > 8 {
		return infoHash[:8]
	}
	return infoHash
}

func movieURL(id int64) string { return "/movies/" + strconv.FormatInt(id, 10) }
