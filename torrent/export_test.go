package torrent

import (
	"io"

	"github.com/anacrolix/torrent"
)

// AnacrolixTorrent is the client's torrent for infoHash, nil when it is not
// in memory, so that tests can read piece priorities.
func AnacrolixTorrent(e *Engine, infoHash string) *torrent.Torrent {
	h, err := ParseInfoHash(infoHash)
	if err != nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ent, ok := e.torrents[h]; ok {
		return ent.t
	}
	return nil
}

// LockEngine holds the engine mutex until unlock is called, to show which
// paths do without it.
func LockEngine(e *Engine) (unlock func()) {
	e.mu.Lock()
	return e.mu.Unlock
}

// QueueFor is queueFor, for its table test.
var QueueFor = queueFor

// RequestQueues returns the request queue of each of the engine's open
// connections, and the largest any connection was given.
func RequestQueues(e *Engine) (open []int, top int) { return e.pace.queues() }

// WriteStatus writes anacrolix's status of the client, for failing tests.
func WriteStatus(e *Engine, w io.Writer) { e.client.WriteStatus(w) }

// Boosts tells how many readers of torrent infoHash asked for piece early.
func Boosts(e *Engine, infoHash string, piece int) int {
	h, err := ParseInfoHash(infoHash)
	if err != nil {
		return 0
	}
	e.mu.Lock()
	ent := e.torrents[h]
	e.mu.Unlock()
	if ent == nil {
		return 0
	}
	ent.mu.Lock()
	defer ent.mu.Unlock()
	return ent.boosted[piece]
}
