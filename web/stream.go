package web

import (
	"context"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/stream"
)

// handleStream serves the film's video file while the torrent downloads.
// Range, HEAD, If-Range and the first-byte deadline are the stream package's
// job; this handler only finds the bytes.
func (h *handler) handleStream(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.firstByteTimeout)
	defer cancel()
	infoHash, err := h.ensureTorrent(ctx, m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	info, err := h.engine.Info(ctx, infoHash)
	if err != nil {
		if ctx.Err() != nil && r.Context().Err() == nil {
			err = keyError(hypertube.ETIMEOUT, "stream.noInfo")
		}
		h.fail(w, r, err)
		return
	}
	f, err := chooseFile(info, m.FilePath)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Method == http.MethodGet && rangeStartsAtZero(r.Header.Get("Range")) {
		// Players ask for the start once per play and then seek with other
		// ranges, so this marks a play, not every request.
		now := h.now()
		if err := h.movies.MarkMovieWatched(r.Context(), m.ID, now); err != nil {
			h.log.Warn("mark watched", "movie", m.ID, "err", err)
		}
		if u := userOf(r); u != nil {
			if err := h.watches.RecordWatch(r.Context(), u.ID, m.ID, 0, 0, now); err != nil {
				h.log.Warn("record watch", "movie", m.ID, "user", u.ID, "err", err)
			}
		}
	}
	h.hintDuration(m, infoHash, f.Index)
	stream.Serve(w, r, stream.Content{
		Name:        path.Base(f.Path),
		ContentType: videoContentType(f.Path),
		Size:        f.Length,
		// The bytes of a file are fixed by the info hash, so the tag is strong.
		ETag: `"` + infoHash + "-" + strconv.Itoa(f.Index) + `"`,
		Open: func(ctx context.Context, offset int64) (io.ReadCloser, error) {
			rd, err := h.engine.OpenFile(ctx, infoHash, f.Index)
			if err != nil {
				return nil, err
			}
			if offset > 0 {
				if _, err := rd.Seek(offset, io.SeekStart); err != nil {
					rd.Close()
					return nil, err
				}
			}
			return rd, nil
		},
		FirstByteTimeout: h.firstByteTimeout,
	})
}

// durationHinter is an engine that sizes its readahead from how long a
// film plays; engines without it (test fakes) buffer a fixed amount.
type durationHinter interface {
	SetDurationHint(infoHash string, index int, d time.Duration) error
}

// hintDuration tells the engine how long the film plays, so that its
// readahead covers about 30 s of this film's bitrate rather than a guess:
// ffprobe's duration when a probe of the file is already cached, else the
// catalog's runtime. It never waits for a probe.
func (h *handler) hintDuration(m *hypertube.Movie, infoHash string, index int) {
	eng, ok := h.engine.(durationHinter)
	if !ok {
		return
	}
	d := h.player.probedDuration(fileRef{infoHash: infoHash, index: index})
	if d <= 0 && m.Runtime > 0 {
		d = time.Duration(m.Runtime) * time.Minute
	}
	if d <= 0 {
		return
	}
	if err := eng.SetDurationHint(infoHash, index, d); err != nil {
		h.log.Debug("duration hint", "infohash", infoHash, "err", err)
	}
}

// probedDuration is the duration of a finished, successful probe of f, or 0.
func (p *player) probedDuration(f fileRef) time.Duration {
	p.mu.Lock()
	c, ok := p.probes[f]
	p.mu.Unlock()
	if !ok {
		return 0
	}
	select {
	case <-c.done:
		if c.err == nil && c.probe != nil {
			return c.probe.Duration
		}
	default:
	}
	return 0
}

func rangeStartsAtZero(header string) bool {
	if header == "" {
		return true
	}
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	return ok && strings.HasPrefix(strings.TrimSpace(spec), "0-")
}

// videoExtensions are the video containers a film may come in, most
// browser-friendly first; the order breaks ties between equal sizes.
var videoExtensions = []string{".mp4", ".m4v", ".webm", ".mkv", ".mov", ".ogv", ".avi"}

// chooseFile picks the film's file: the one the library names, else the
// largest video file, since samples and extras are smaller than the film.
func chooseFile(info *hypertube.TorrentInfo, want string) (hypertube.TorrentFile, error) {
	if want != "" {
		for _, f := range info.Files {
			if f.Path == want {
				return f, nil
			}
		}
		return hypertube.TorrentFile{}, keyError(hypertube.ENOTFOUND, "stream.fileMissing")
	}
	best, bestRank := -1, 0
	for i, f := range info.Files {
		rank := slices.Index(videoExtensions, strings.ToLower(path.Ext(f.Path)))
		if rank < 0 {
			continue
		}
		if best < 0 || f.Length > info.Files[best].Length || (f.Length == info.Files[best].Length && rank < bestRank) {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		return hypertube.TorrentFile{}, keyError(hypertube.ENOTFOUND, "stream.noVideo")
	}
	return info.Files[best], nil
}

func videoContentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".mp4", ".m4v":
		return "video/mp4"
	case ".webm":
		return "video/webm"
	case ".mkv":
		return "video/x-matroska"
	case ".mov":
		return "video/quicktime"
	case ".ogv":
		return "video/ogg"
	case ".avi":
		return "video/x-msvideo"
	default:
		return "application/octet-stream"
	}
}
