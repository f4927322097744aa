package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/hypertube/hypertube"
)

const (
	eventInterval  = time.Second
	heartbeatEvery = 15 * time.Second
)

// statusEvent is what the film page shows. Once the torrent's metadata is
// known, sizes and buffered ranges are those of the film's file, with offsets
// from the file's first byte, so the page can draw them under the video.
type statusEvent struct {
	Peers          int                   `json:"peers"`
	Seeders        int                   `json:"seeders"`
	DownloadRate   float64               `json:"downloadRate"`
	UploadRate     float64               `json:"uploadRate"`
	BytesCompleted int64                 `json:"bytesCompleted"`
	Length         int64                 `json:"length"`
	Percent        float64               `json:"percent"`
	Buffered       []hypertube.ByteRange `json:"buffered"`
	Complete       bool                  `json:"complete"`
	HasInfo        bool                  `json:"hasInfo"`
}

// handleEvents sends the film's download status once a second as
// server-sent events until the page goes away.
func (h *handler) handleEvents(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// Opening the page starts the download, so peers are found before Play.
	addCtx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	infoHash, err := h.ensureTorrent(addCtx, m)
	cancel()
	if err != nil {
		h.log.Warn("events: add torrent", "movie", m.ID, "err", err)
		infoHash = m.InfoHash
	}

	rc := http.NewResponseController(w)
	// A server-wide write timeout must not cut a stream meant to last.
	_ = rc.SetWriteDeadline(time.Time{})
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n: connected\n\n"); err != nil {
		return
	}

	var file *hypertube.TorrentFile
	tick := time.NewTicker(eventInterval)
	defer tick.Stop()
	lastHeartbeat := time.Now()
	for {
		ev := h.fileStatus(r.Context(), infoHash, m, &file)
		data, err := json.Marshal(ev)
		if err != nil {
			h.log.Error("events: encode", "err", err)
			return
		}
		if _, err := fmt.Fprintf(w, "event: status\ndata: %s\n\n", data); err != nil {
			return
		}
		if time.Since(lastHeartbeat) >= heartbeatEvery {
			// Comments keep proxies from closing a connection they think idle.
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
			lastHeartbeat = time.Now()
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}

// fileStatus builds one event; file caches the chosen file once metadata is
// known.
func (h *handler) fileStatus(ctx context.Context, infoHash string, m *hypertube.Movie, file **hypertube.TorrentFile) statusEvent {
	ev := statusEvent{Buffered: []hypertube.ByteRange{}}
	if infoHash == "" {
		return ev
	}
	st, err := h.engine.Status(infoHash)
	if err != nil {
		return ev
	}
	ev.Peers, ev.Seeders = st.Peers, st.Seeders
	ev.DownloadRate, ev.UploadRate = st.DownloadRate, st.UploadRate
	ev.HasInfo, ev.Complete = st.HasInfo, st.Complete
	ev.BytesCompleted, ev.Length = st.BytesCompleted, st.Length

	if st.HasInfo && *file == nil {
		infoCtx, cancel := context.WithTimeout(ctx, time.Second)
		info, err := h.engine.Info(infoCtx, infoHash)
		cancel()
		if err == nil {
			if f, err := chooseFile(info, m.FilePath); err == nil {
				*file = &f
			}
		}
	}
	if f := *file; f != nil {
		ev.Buffered = clipRanges(st.Buffered, f.Offset, f.Length)
		ev.Length, ev.BytesCompleted = f.Length, 0
		for _, b := range ev.Buffered {
			ev.BytesCompleted += b.End - b.Start
		}
		ev.Complete = st.Complete || (f.Length > 0 && ev.BytesCompleted == f.Length)
	}
	if ev.Length > 0 {
		ev.Percent = math.Floor(float64(ev.BytesCompleted)*1000/float64(ev.Length)) / 10
	}
	return ev
}

// clipRanges returns the parts of torrent-relative ranges that fall in the
// file [offset, offset+length), relative to the file's start.
func clipRanges(ranges []hypertube.ByteRange, offset, length int64) []hypertube.ByteRange {
	out := []hypertube.ByteRange{}
	for _, b := range ranges {
		start, end := max(b.Start, offset), min(b.End, offset+length)
		if start < end {
			out = append(out, hypertube.ByteRange{Start: start - offset, End: end - offset})
		}
	}
	return out
}
