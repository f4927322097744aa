package torrent_test

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/types"

	"github.com/hypertube/hypertube/torrent"
)

// windowPieces is the range of pieces [from, to) of a reader at pos with
// the given window over a single-file torrent.
func windowPieces(pos, window, size, pieceLength int64) (from, to int) {
	end := min(pos+window, size)
	return int(pos / pieceLength), int((end-1)/pieceLength) + 1
}

// While a reader's window is missing pieces, the rest of the film waits at
// priority none; once the window is complete, it downloads at normal
// priority again, with the reader still open.
func TestBackgroundYieldsToTheWindow(t *testing.T) {
	const size = 32 << 20
	data := randomBytes(size)
	e, h, r := streamFile(t, "film.mp4", data, nil, func(c *torrent.Config) { c.DownloadRate = 4 << 20 })
	readAt(t, r, data, 0, 1)
	at := anacrolix(t, e, h)
	pl := at.Info().PieceLength
	from, to := windowPieces(1, readahead(t, r), size, pl)
	windowDone := func() bool {
		for i := from; i < to; i++ {
			if !at.PieceState(i).Complete {
				return false
			}
		}
		return true
	}

	ps := priorities(at)
	if windowDone() {
		t.Fatalf("window of %d pieces complete at once at 4 MiB/s; the test cannot see it yield", to-from)
	}
	// Completion only grows, so the window was incomplete all along.
	for i := to; i < len(ps); i++ {
		if ps[i] != types.PiecePriorityNone {
			t.Fatalf("piece %d past the incomplete window has priority %v, want none (window %d–%d)", i, ps[i], from, to)
		}
	}
	for i := from + 1; i < to-1; i++ { // anacrolix may round the window's end
		// Pieces being verified read as priority none.
		if st := at.PieceState(i); !st.Complete && !st.Hashing && !st.QueuedForHash && !st.Marking &&
			st.Priority != types.PiecePriorityReadahead {
			t.Fatalf("window piece %d has priority %v, want readahead", i, st.Priority)
		}
	}

	waitFor(t, 20*time.Second, "the window never completed", windowDone)
	waitFor(t, 10*time.Second, "the rest of the film did not go back to normal priority", func() bool {
		for i := to; i < at.NumPieces(); i++ {
			if st := at.PieceState(i); !st.Complete && st.Priority == types.PiecePriorityNormal {
				return true
			}
		}
		return false
	})
	waitFor(t, 30*time.Second, "the film did not finish downloading behind the open reader", func() bool {
		return status(t, e, h).Complete
	})
}

// Readers that open and seek while others read, each moving the
// torrent's priorities, never make the others' reads fail.
func TestSeeksDoNotFailOtherReads(t *testing.T) {
	const n, size = 10, 8 << 20
	data := randomBytes(size)
	seed, _, magnet := seedData(t, "film.mp4", data)
	e, h, _ := leech(t, seed, magnet, func(c *torrent.Config) { c.DownloadRate = 4 << 20 })
	if _, err := e.Info(ctx(t, 10*time.Second), h); err != nil {
		t.Fatal(err)
	}
	part := int64(size / n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range int64(n) {
		wg.Go(func() {
			r, err := e.OpenFile(ctx(t, 60*time.Second), h, 0)
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			if _, err := r.Seek(i*part, io.SeekStart); err != nil {
				errs <- err
				return
			}
			got := make([]byte, part)
			if _, err := io.ReadFull(r, got); err != nil {
				errs <- fmt.Errorf("reader %d: %w", i, err)
				return
			}
			if !bytes.Equal(got, data[i*part:(i+1)*part]) {
				errs <- fmt.Errorf("reader %d read wrong bytes", i)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
