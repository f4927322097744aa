package torrent

import (
	"maps"
	"slices"
	"time"
)

// In loaded runs, about once in 30 to 100, an anacrolix v1.59.1 reader
// waited on a piece with "now" priority while the connected seeder had
// every piece, and nothing was requested: the player stalled for good.
// The watchdog notices a reader blocked that long with nothing arriving and
// kicks the torrent: disallowing and allowing data download cancels what
// is outstanding and makes every connection choose its requests afresh.

const (
	// stuckAfter is how long a read may wait with nothing arriving before
	// the watchdog steps in; a few seconds, so that a slow swarm is not
	// mistaken for a stuck one.
	stuckAfter = 3 * time.Second
	// stillRate is the download rate, in bytes/s, under which nothing is
	// arriving: less than one 16 KiB block a second.
	stillRate = 16 << 10
)

// watchdog kicks a torrent with a reader stuck on a piece that a connected
// peer has while nothing downloads.
func (e *Engine) watchdog(ent *entry, now time.Time) {
	info := ent.t.Info()
	if info == nil {
		return
	}
	ent.mu.Lock()
	readers := slices.Collect(maps.Keys(ent.open))
	ent.mu.Unlock()
	var down float64
	measured := false
	for _, r := range readers {
		since := r.blockedSince.Load()
		if since == 0 || now.Sub(time.Unix(0, since)) < stuckAfter ||
			now.Sub(time.Unix(0, r.lastKick.Load())) < stuckAfter {
			continue
		}
		pos := r.at.Load()
		if pos >= r.length {
			continue
		}
		piece := int((r.offset + pos) / info.PieceLength)
		if ent.t.PieceState(piece).Complete || !ent.peerHas(piece) {
			continue // a dead swarm is not a stuck one
		}
		if !measured {
			down, _ = ent.rates(ent.counters(now))
			measured = true
		}
		if down >= stillRate {
			return
		}
		r.lastKick.Store(now.UnixNano())
		e.log.Warn("a reader waited with nothing arriving; kicking the torrent's requests",
			"infohash", ent.hash.HexString(), "file", r.key.index, "piece", piece,
			"waited", now.Sub(time.Unix(0, since)).Round(time.Millisecond))
		ent.withdrawRequests()
		ent.nudge(ent.pieceDone())
		return
	}
}

// peerHas reports whether a connected peer has the piece.
func (ent *entry) peerHas(piece int) bool {
	for _, pc := range ent.t.PeerConns() {
		if pc.PeerPieces().Contains(uint32(piece)) {
			return true
		}
	}
	return false
}
