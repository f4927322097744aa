package torrent

import (
	"os"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
)

// A torrent in memory costs peer connections, tracker announces and piece
// state for every film anyone ever opened; a site with a large library
// cannot keep them all. So a torrent nobody streams or downloads for
// Config.IdleTimeout is dropped from the client, keeping its files, its piece
// completion and its saved .torrent, and the next call that names it
// (AddMagnet, AddTorrent, Info, OpenFile, Status, DownloadAll, FilePath,
// AddPeers) adds it back from that .torrent. Status re-adds too rather than
// answer from disk: the re-added torrent reports the same verified bytes,
// and a status that lists no peers for a film in the middle of a page
// refresh would only puzzle the viewer.

// entry finds the torrent of an info hash, re-adding it if it was released.
func (e *Engine) entry(infoHash string) (*entry, error) {
	return e.lookup(infoHash, false)
}

// claim is entry, also counting the caller as a user of the torrent until it
// calls done, so that it is not released meanwhile.
func (e *Engine) claim(infoHash string) (ent *entry, done func(), err error) {
	if ent, err = e.lookup(infoHash, true); err != nil {
		return nil, nil, err
	}
	return ent, ent.unclaim, nil
}

func (ent *entry) unclaim() {
	// lastActive first: releaseIdle must not see 0 users with an old time.
	ent.lastActive.Store(time.Now().UnixNano())
	ent.users.Add(-1)
}

func (e *Engine) lookup(infoHash string, claim bool) (*entry, error) {
	h, err := ParseInfoHash(infoHash)
	if err != nil {
		return nil, err
	}
	// Twice at most: a torrent re-added is found on the next turn unless it
	// was dropped in between, and then it is gone for good.
	for range 2 {
		e.mu.Lock()
		ent, ok := e.torrents[h]
		if ok && claim {
			ent.users.Add(1)
		}
		released := e.released[h]
		e.mu.Unlock()
		if ok {
			return ent, nil
		}
		if !released {
			break
		}
		if err := e.readd(h); err != nil {
			return nil, err
		}
	}
	return nil, hypertube.Errorf(hypertube.ENOTFOUND, "no torrent with info hash %s", h.HexString())
}

// readd adds a released torrent back from its saved metainfo.
func (e *Engine) readd(h metainfo.Hash) error {
	data, err := os.ReadFile(e.statePath(h, ".torrent"))
	if err != nil {
		e.log.Warn("re-adding released torrent", "infohash", h.HexString(), "err", err)
		e.mu.Lock()
		delete(e.released, h)
		e.mu.Unlock()
		return hypertube.Errorf(hypertube.ENOTFOUND, "the torrent %s was forgotten; add it again", h.HexString())
	}
	mi, err := parseMetaInfo(data)
	if err != nil {
		return err
	}
	spec, err := torrent.TorrentSpecFromMetaInfoErr(mi)
	if err != nil || spec.InfoHash != h {
		return hypertube.Errorf(hypertube.EINTERNAL, "the saved torrent %s is damaged", h.HexString())
	}
	if _, _, err := e.add(spec, nil, ""); err != nil {
		return err
	}
	e.log.Debug("re-added released torrent", "infohash", h.HexString())
	return nil
}

func (e *Engine) idleTimeout() time.Duration {
	switch d := e.cfg.IdleTimeout; {
	case d == 0:
		return DefaultIdleTimeout
	case d < 0:
		return 0
	default:
		return d
	}
}

// releaseIdle drops the torrents idle for longer than the idle timeout.
func (e *Engine) releaseIdle(now time.Time) {
	timeout := e.idleTimeout()
	if timeout == 0 {
		return
	}
	var idle []*entry
	e.mu.Lock()
	for h, ent := range e.torrents {
		if ent.users.Load() != 0 || now.Sub(time.Unix(0, ent.lastActive.Load())) < timeout ||
			ent.seedRoot != "" || !ent.checked() || (e.cfg.Seed && ent.t.Complete().Bool()) {
			continue
		}
		// Without its metainfo on disk it could only come back from peers.
		if _, err := os.Stat(e.statePath(h, ".torrent")); err != nil {
			continue
		}
		delete(e.torrents, h)
		e.released[h] = true
		idle = append(idle, ent)
	}
	e.mu.Unlock()
	for _, ent := range idle {
		e.log.Debug("releasing idle torrent", "infohash", ent.hash.HexString())
		ent.t.Drop()
	}
}

// checked reports whether the metadata arrived and passed checkPaths.
func (ent *entry) checked() bool {
	select {
	case <-ent.ready:
		return ent.err == nil
	default:
		return false
	}
}
