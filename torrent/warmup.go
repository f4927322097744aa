package torrent

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"path"
	"strings"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/types"
)

// A player cannot start an MP4 before it has the moov box (the index of
// every sample), and cannot seek a Matroska/WebM film before it has the
// Cues, which muxers write at the end. Fetched in order, a film whose index
// is at the end only starts once the whole file is there. So when a reader
// opens such a file, the pieces holding the index are asked for right after
// the piece under the reader.
const (
	// cuesSpan is how much is fetched early from where a Matroska file's
	// SeekHead says its Cues start: those of a two-hour film take well
	// under a megabyte.
	cuesSpan = 1 << 20
	// headProbe is how much of a file's head is read to find its index:
	// an MP4's ftyp, free and mdat headers fit in a few dozen bytes, a
	// Matroska file's SeekHead in a few hundred.
	headProbe = 64 << 10
	// indexPriority is above the readahead window, so the index does not
	// wait for up to MaxReadahead of film, and below the piece the player
	// is blocked on.
	indexPriority = types.PiecePriorityNext
)

// MoovAtEnd reads the top-level box headers of an MP4/MOV file from head,
// its first bytes, and reports whether the moov box comes after the mdat
// box of a file of size bytes; moovStart is then where the boxes after mdat
// begin. It understands 64-bit box sizes, and returns ok=false for a moov
// before mdat, an mdat that runs to the end, or headers it cannot read.
func MoovAtEnd(head []byte, size int64) (moovStart int64, ok bool) {
	n := int64(len(head))
	for off := int64(0); off+8 <= n && off < size; {
		boxSize := int64(binary.BigEndian.Uint32(head[off:]))
		typ := string(head[off+4 : off+8])
		switch {
		case boxSize == 0: // the box runs to the end of the file
			return 0, false
		case boxSize == 1: // a 64-bit size follows the type
			if off+16 > n {
				return 0, false
			}
			large := binary.BigEndian.Uint64(head[off+8:])
			if large < 16 || large > math.MaxInt64 {
				return 0, false
			}
			boxSize = int64(large)
		case boxSize < 8:
			return 0, false
		}
		if boxSize > size-off {
			return 0, false // not a file we understand
		}
		switch typ {
		case "moov":
			return 0, false
		case "mdat":
			if end := off + boxSize; end < size {
				return end, true
			}
			return 0, false
		}
		off += boxSize
	}
	return 0, false
}

// warmer holds the pieces one reader asked for early, until it closes.
type warmer struct {
	ent    *entry
	cancel context.CancelFunc
	done   chan struct{}
	pieces []int
}

// warmUp asks early for the index of file f if it needs one. The file's
// head is read aside first to find where the index is (an MP4's moov box, a
// Matroska file's Cues), until ctx ends or the reader closes.
//
// Priorities only order what is requested next: a peer serves the requests
// it already holds in any order it likes (anacrolix peers in random order,
// up to 1024 of them), so an index found after the rest of the file was
// requested can still arrive after some of it.
func warmUp(ctx context.Context, ent *entry, f *torrent.File) *warmer {
	w := &warmer{ent: ent, done: make(chan struct{})}
	var find func([]byte) (from, to int64, ok bool)
	switch strings.ToLower(path.Ext(f.Path())) {
	case ".mkv", ".webm":
		find = func(head []byte) (int64, int64, bool) { return cuesSpanOf(head, f.Length()) }
	case ".mp4", ".m4v", ".mov":
		find = func(head []byte) (int64, int64, bool) {
			start, ok := MoovAtEnd(head, f.Length())
			return start, f.Length(), ok
		}
	default:
		close(w.done)
		return w
	}
	ctx, w.cancel = context.WithCancel(ctx)
	go w.find(ctx, f, find)
	return w
}

// cuesSpanOf is the part of a Matroska file of size bytes, whose head is
// given, that holds its Cues: from where its SeekHead says, or, in a file
// without one, its tail.
func cuesSpanOf(head []byte, size int64) (from, to int64, ok bool) {
	if pos, ok := MatroskaCues(head); ok && pos < size {
		return pos, min(pos+cuesSpan, size), true
	}
	return size - min(max(size/64, 256<<10), 4<<20), size, true
}

// find reads the head of f and boosts what index finds in it.
func (w *warmer) find(ctx context.Context, f *torrent.File, index func(head []byte) (from, to int64, ok bool)) {
	defer close(w.done)
	head := make([]byte, min(f.Length(), headProbe))
	r := f.NewReader()
	defer r.Close()
	r.SetContext(ctx)
	if _, err := io.ReadFull(r, head); err != nil {
		return // cancelled: the viewer left, or the swarm is dead
	}
	if from, to, ok := index(head); ok {
		w.boost(f, from, to)
	}
}

func (w *warmer) closed() bool {
	select {
	case <-w.ent.t.Closed():
		return true
	default:
		return false
	}
}

// boost raises the pieces holding bytes [from, to) of f.
func (w *warmer) boost(f *torrent.File, from, to int64) {
	from = max(from, 0)
	if from >= to {
		return
	}
	pl := f.Torrent().Info().PieceLength
	for i := (f.Offset() + from) / pl; i <= (f.Offset()+to-1)/pl; i++ {
		w.pieces = append(w.pieces, int(i))
	}
	w.ent.mu.Lock()
	defer w.ent.mu.Unlock()
	if w.ent.boosted == nil {
		w.ent.boosted = make(map[int]int)
	}
	for _, i := range w.pieces {
		w.ent.boosted[i]++
		if w.ent.boosted[i] == 1 {
			w.ent.t.Piece(i).SetPriority(indexPriority)
		}
	}
}

// stop gives the pieces back to normal priority once no other reader of
// the torrent wants them early.
func (w *warmer) stop() {
	if w.cancel != nil {
		w.cancel()
	}
	<-w.done
	if len(w.pieces) == 0 {
		return
	}
	w.ent.mu.Lock()
	defer w.ent.mu.Unlock()
	closed := w.closed()
	for _, i := range w.pieces {
		if w.ent.boosted[i]--; w.ent.boosted[i] > 0 {
			continue
		}
		delete(w.ent.boosted, i)
		if !closed {
			// None at the piece level: the file's own priority, raised by
			// OpenFile, keeps it downloading at normal priority.
			w.ent.t.Piece(i).SetPriority(types.PiecePriorityNone)
		}
	}
}
