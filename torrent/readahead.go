package torrent

import (
	"math"
	"sync"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
)

// Bounds of a reader's readahead window, and how much playback it aims to hold.
const (
	MinReadahead = 8 << 20
	MaxReadahead = 96 << 20
	// bufferedPlayback is how many seconds of film the window aims to cover:
	// enough to ride out a peer that goes quiet for a while.
	bufferedPlayback = 30
	// typicalRuntime is assumed when nothing tells us how long a film is.
	typicalRuntime = 2 * time.Hour
)

// ReadaheadFor is the readahead window, in bytes, for a film of bitrate
// (bytes per second of playback) downloading at downloadRate (bytes/s; 0 when
// not measured yet). It covers 30 s of playback within [MinReadahead,
// MaxReadahead]. When the download is slower than playback the window grows
// by the shortfall, toward the cap: a buffer can only be built ahead of a
// slow swarm while the viewer is still watching what is already there.
func ReadaheadFor(bitrate, downloadRate float64) int64 {
	if math.IsNaN(bitrate) || bitrate <= 0 {
		return MinReadahead
	}
	want := bitrate * bufferedPlayback
	if downloadRate > 0 && downloadRate < bitrate {
		want *= bitrate / downloadRate
	}
	if want >= MaxReadahead { // also catches +Inf
		return MaxReadahead
	}
	return max(int64(want), MinReadahead)
}

// fileKey names one file of one torrent.
type fileKey struct {
	hash  metainfo.Hash
	index int
}

// fileHint is what the web layer knows about a film's playback.
type fileHint struct {
	bitrate  float64 // bytes/s; 0 = unknown
	duration time.Duration
}

// hints holds the bitrate and duration hints; its own lock keeps them off
// the engine mutex, since readers consult them every second.
type hints struct {
	mu sync.RWMutex
	m  map[fileKey]fileHint
}

func (h *hints) set(k fileKey, f func(*fileHint)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[fileKey]fileHint)
	}
	v := h.m[k]
	f(&v)
	if v == (fileHint{}) {
		delete(h.m, k)
		return
	}
	h.m[k] = v
}

func (h *hints) get(k fileKey) fileHint {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.m[k]
}

// forget drops every hint of a torrent that was dropped for good.
func (h *hints) forget(hash metainfo.Hash) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k := range h.m {
		if k.hash == hash {
			delete(h.m, k)
		}
	}
}

// SetBitrateHint tells the engine how many bytes per second of playback file
// index of a torrent needs (from ffprobe, say), so that readers of it buffer
// about 30 s. It may be called before the torrent is added; 0 clears it.
func (e *Engine) SetBitrateHint(infoHash string, index int, bytesPerSec float64) error {
	h, err := ParseInfoHash(infoHash)
	if err != nil {
		return err
	}
	if math.IsNaN(bytesPerSec) || math.IsInf(bytesPerSec, 0) || bytesPerSec < 0 {
		return errBadHint
	}
	e.hints.set(fileKey{h, index}, func(v *fileHint) { v.bitrate = bytesPerSec })
	return nil
}

// SetDurationHint tells the engine how long file index of a torrent plays
// (from the catalog's runtime, say); the bitrate is then its size divided by
// d, unless SetBitrateHint gave one. 0 clears it.
func (e *Engine) SetDurationHint(infoHash string, index int, d time.Duration) error {
	h, err := ParseInfoHash(infoHash)
	if err != nil {
		return err
	}
	if d < 0 {
		return errBadHint
	}
	e.hints.set(fileKey{h, index}, func(v *fileHint) { v.duration = d })
	return nil
}

// bitrate is the best guess of a file's playback bitrate in bytes/s.
func (e *Engine) bitrate(k fileKey, size int64) float64 {
	h := e.hints.get(k)
	switch {
	case h.bitrate > 0:
		return h.bitrate
	case h.duration > 0:
		return float64(size) / h.duration.Seconds()
	}
	return float64(size) / typicalRuntime.Seconds()
}

var errBadHint = hypertube.Errorf(hypertube.EINVALID, "a film's bitrate or duration must be a positive number")
