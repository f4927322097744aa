package torrent

import (
	"maps"
	"slices"
	"time"

	"github.com/anacrolix/torrent/types"
)

// Background completion yields to viewers.
//
// Priorities only order what is requested next. A peer holds up to 1,024 of
// our requests and serves them in any order it likes (anacrolix peers in
// random order), so once the rest of the film has been requested at normal
// priority, the piece a viewer is blocked on waits behind megabytes of it.
// With a throttled seeder that was seconds after every seek and stalls with
// many viewers. So while any reader's window (the piece under it and its
// readahead) is missing pieces, the files being streamed are held at
// priority none, and when a reader moves or a window falls behind, the
// requests the connections make next go to the windows. Normal priority
// comes back as soon as every window is complete.
//
// Requests already sent stay with the peer (v1.59.1 cancels them only by
// disallowing all data download, which fails every reader's read), so a
// connection holds few of them: see pacer. A connection left with no
// request at all (anacrolix makes none after a reject) is nudged; guard
// does that while the torrent yields.

const (
	// guardInterval is how often windows are checked and idle connections
	// nudged: well under the one second a seek may take.
	guardInterval = 100 * time.Millisecond
)

// pieceDone lists which pieces of a torrent are verified, in one lock of
// the client.
func (ent *entry) pieceDone() []bool {
	runs := ent.t.PieceStateRuns()
	done := make([]bool, 0, ent.t.NumPieces())
	for _, run := range runs {
		for range run.Length {
			done = append(done, run.Complete)
		}
	}
	return done
}

// windowComplete reports whether every piece from the one under the reader
// to the end of its readahead window is verified.
func (r *fileReader) windowComplete(done []bool, pieceLength int64) bool {
	pos := r.at.Load()
	if pos >= r.length {
		return true
	}
	end := min(pos+r.window.Load(), r.length)
	for i := (r.offset + pos) / pieceLength; i <= (r.offset+end-1)/pieceLength && i < int64(len(done)); i++ {
		if !done[i] {
			return false
		}
	}
	return true
}

// balance holds a torrent's streamed files at priority none while some
// reader's window is incomplete, and at normal priority otherwise; moved
// says a reader just opened or seeked.
func (e *Engine) balance(ent *entry, moved bool) {
	ent.balMu.Lock()
	defer ent.balMu.Unlock()
	select {
	case <-ent.t.Closed():
		return
	default:
	}
	info := ent.t.Info()
	if info == nil {
		return
	}
	ent.mu.Lock()
	readers := slices.Collect(maps.Keys(ent.open))
	files := slices.Collect(maps.Keys(ent.background))
	ent.mu.Unlock()
	done := ent.pieceDone()
	behind := false
	for _, r := range readers {
		if !r.closed.Load() && !r.windowComplete(done, info.PieceLength) {
			behind = true
			break
		}
	}
	started := behind && !ent.yielding
	if behind != ent.yielding || moved {
		prio := types.PiecePriorityNormal
		if behind {
			prio = types.PiecePriorityNone
		}
		all := ent.t.Files()
		for _, i := range files {
			all[i].SetPriority(prio) // a no-op when unchanged
		}
		ent.yielding = behind
	}
	if behind && (moved || started) {
		ent.nudge(done)
	}
}

// nudge gets connections that have no request outstanding to request
// again, whatever left them idle. Making a piece wanted makes anacrolix
// refill the requests of every connection that has none (and only those),
// so an unwanted missing piece is wanted for a moment; by the time the
// connection's writer picks its requests, it is unwanted again.
func (ent *entry) nudge(done []bool) {
	for i, ok := range done {
		if ok {
			continue
		}
		p := ent.t.Piece(i)
		if st := p.State(); st.Priority != types.PiecePriorityNone || !st.Ok || st.Hashing || st.QueuedForHash || st.Marking {
			continue
		}
		p.SetPriority(types.PiecePriorityNormal)
		p.SetPriority(types.PiecePriorityNone)
		return
	}
}

// guard balances every torrent that has or just had readers and nudges
// those that yield.
func (e *Engine) guard() {
	defer e.wg.Done()
	tick := time.NewTicker(guardInterval)
	defer tick.Stop()
	for {
		select {
		case <-e.done:
			return
		case <-tick.C:
			e.activeMu.Lock()
			ents := slices.Collect(maps.Keys(e.active))
			e.activeMu.Unlock()
			for _, ent := range ents {
				e.balance(ent, false)
				if ent.readers.Load() == 0 && !ent.isYielding() {
					e.activeMu.Lock()
					if ent.readers.Load() == 0 {
						delete(e.active, ent)
					}
					e.activeMu.Unlock()
					continue
				}
				if ent.isYielding() && ent.t.Info() != nil {
					ent.nudge(ent.pieceDone())
				}
			}
		}
	}
}

func (ent *entry) isYielding() bool {
	ent.balMu.Lock()
	defer ent.balMu.Unlock()
	return ent.yielding
}
