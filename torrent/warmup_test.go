package torrent_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/anacrolix/torrent/types"

	"github.com/hypertube/hypertube/torrent"
)

// box is an MP4 box header of the given size, with a 64-bit size field when
// large is set.
func box(typ string, size uint64, large bool) []byte {
	if large {
		b := binary.BigEndian.AppendUint32(nil, 1)
		b = append(b, typ...)
		return binary.BigEndian.AppendUint64(b, size)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(size)), typ...)
}

// withPayload pads a box header with zeros up to size bytes.
func withPayload(hdr []byte, size int) []byte {
	return append(hdr, make([]byte, size-len(hdr))...)
}

func TestMoovAtEnd(t *testing.T) {
	ftyp := withPayload(box("ftyp", 32, false), 32)
	free := withPayload(box("free", 8, false), 8)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name      string
		head      []byte
		size      int64
		wantStart int64
		wantOK    bool
	}{
		{"moov after mdat", cat(ftyp, box("mdat", 1000, false)), 1032 + 500, 1032, true},
		{"free box before mdat", cat(ftyp, free, box("mdat", 1000, false)), 1040 + 500, 1040, true},
		{"64-bit mdat", cat(ftyp, box("mdat", 5<<30, true)), 32 + 5<<30 + 4096, 32 + 5<<30, true},
		{"moov first (fast start)", cat(ftyp, box("moov", 200, false)), 100000, 0, false},
		{"64-bit moov first", cat(ftyp, box("moov", 200, true)), 100000, 0, false},
		{"mdat runs to the end", cat(ftyp, box("mdat", 1000, false)), 1032, 0, false},
		{"mdat size 0 means to the end", cat(ftyp, box("mdat", 0, false)), 5000, 0, false},
		{"mdat larger than the file", cat(ftyp, box("mdat", 1000, false)), 500, 0, false},
		{"64-bit size too small", cat(ftyp, box("mdat", 8, true)), 5000, 0, false},
		{"64-bit size cut off", cat(ftyp, box("mdat", 1000, true)[:12]), 5000, 0, false},
		{"size below a header", cat(ftyp, box("mdat", 4, false)), 5000, 0, false},
		{"header beyond the head", ftyp, 5000, 0, false},
		{"header cut off", cat(ftyp, []byte{0, 0, 1}), 5000, 0, false},
		{"empty head", nil, 5000, 0, false},
		{"not an MP4", []byte("\x1aE\xdf\xa3 matroska webm ..."), 5000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, ok := torrent.MoovAtEnd(tt.head, tt.size)
			if start != tt.wantStart || ok != tt.wantOK {
				t.Fatalf("MoovAtEnd = %d, %v; want %d, %v", start, ok, tt.wantStart, tt.wantOK)
			}
		})
	}
}

// openStuck opens file 0 of h and reads once with a context that has ended,
// which places the reader's window without waiting for data.
func openStuck(t *testing.T, e *torrent.Engine, h string) io.ReadSeekCloser {
	t.Helper()
	if _, err := e.Info(ctx(t, 5*time.Second), h); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := e.OpenFile(c, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read with no peer = %v, want context.Canceled", err)
	}
	return r
}

// Reader priorities, warm-up and Close, on a torrent with no peer, where
// nothing but the engine changes them.
func TestReaderPriorities(t *testing.T) {
	const size = 32 << 20
	e, h := peerless(t, "film.mkv", randomBytes(size))
	at := anacrolix(t, e, h)
	pl := at.Info().PieceLength
	n := at.NumPieces()
	for i, p := range priorities(at) {
		if p != types.PiecePriorityNone {
			t.Fatalf("piece %d priority %v before any reader", i, p)
		}
	}

	r := openStuck(t, e, h)
	window := int((torrent.MinReadahead + pl - 1) / pl)
	// The Cues are asked for once the head, which says where they are, is
	// in: with no peer, never.
	want := func(i int) types.PiecePriority {
		switch {
		case i == 0:
			return types.PiecePriorityNow
		case i < window:
			return types.PiecePriorityReadahead
		}
		// The rest of the file yields while the window is missing pieces,
		// which with no peer is for good.
		return types.PiecePriorityNone
	}
	for i, p := range priorities(at) {
		if p != want(i) {
			t.Fatalf("piece %d of %d has priority %v, want %v (all: %v)", i, n, p, want(i), priorities(at))
		}
	}
	if st := status(t, e, h); st.Readers != 1 {
		t.Fatalf("Readers = %d with one open", st.Readers)
	}

	// A seek moves the whole window at once.
	seekTo := int64(size * 7 / 10)
	if _, err := r.Seek(seekTo, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	r.Read(make([]byte, 1))
	at70 := int(seekTo / pl)
	ps := priorities(at)
	if ps[0] != types.PiecePriorityNone || ps[1] != types.PiecePriorityNone {
		t.Fatalf("old window kept its priority after a seek: %v", ps[:3])
	}
	if ps[at70] != types.PiecePriorityNow || ps[at70+1] != types.PiecePriorityReadahead {
		t.Fatalf("pieces at 70%% have priorities %v, want now then readahead", ps[at70:at70+2])
	}

	// Closing one of two readers drops its window only.
	r2 := openStuck(t, e, h)
	r.Close()
	if p := at.PieceState(0).Priority; p != types.PiecePriorityNow {
		t.Fatalf("piece under the open reader has priority %v after the other closed", p)
	}
	if p := at.PieceState(at70).Priority; p != types.PiecePriorityNone {
		t.Fatalf("piece under the closed reader still has priority %v", p)
	}
	r2.Close()
	for i, p := range priorities(at) {
		if p != types.PiecePriorityNormal {
			t.Fatalf("after Close piece %d has priority %v, want normal", i, p)
		}
	}
	if st := status(t, e, h); st.Readers != 0 {
		t.Fatalf("Readers = %d after Close", st.Readers)
	}
}

// The Cues at the end of a Matroska film arrive before its middle, at a
// rate where the whole file takes many seconds.
func TestMatroskaTailComesEarly(t *testing.T) {
	t.Parallel()
	const size = 32 << 20
	data := randomBytes(size)
	e, h, r := streamFile(t, "film.mkv", data, nil, func(c *torrent.Config) { c.DownloadRate = 2 << 20 })
	readAt(t, r, data, 0, 1)
	// Random bytes have no SeekHead: the tail, 1/64 of the file, comes.
	waitFor(t, 20*time.Second, "the last 512 KiB never arrived", func() bool {
		return complete(status(t, e, h), size-size/64, size)
	})
	st := status(t, e, h)
	if complete(st, size/2, size/2+1) || st.Complete {
		t.Fatalf("the middle arrived before the tail: %v", st.Buffered)
	}
}

// mp4 builds an MP4-shaped file whose moov box, of moovSize bytes, follows
// an mdat box filling the rest of size.
func mp4(size, moovSize int) []byte {
	data := randomBytes(size)
	ftyp := withPayload(box("ftyp", 24, false), 24)
	copy(data, ftyp)
	copy(data[24:], box("mdat", uint64(size-24-moovSize), false))
	copy(data[size-moovSize:], box("moov", uint64(moovSize), false))
	return data
}

func TestMP4MoovAtEndComesEarly(t *testing.T) {
	t.Parallel()
	const size, moov = 32 << 20, 3 << 20
	seed, _, magnet := seedData(t, "film.mp4", mp4(size, moov))
	e, h, _ := leech(t, seed, magnet, func(c *torrent.Config) { c.DownloadRate = 1 << 20 })
	r, err := e.OpenFile(ctx(t, 30*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	at := anacrolix(t, e, h)
	pl := at.Info().PieceLength
	first := int((size - moov) / pl)
	// Once the head is in, every piece of the moov box is raised, and
	// nothing before it.
	waitFor(t, 15*time.Second, "the moov pieces were never raised", func() bool {
		for i := first; i < at.NumPieces(); i++ {
			if st := at.PieceState(i); !st.Complete && st.Priority != types.PiecePriorityNext {
				return false
			}
		}
		return true
	})
	if st := at.PieceState(first - 1); st.Priority == types.PiecePriorityNext {
		t.Fatalf("the piece before the moov box was raised too")
	}
	// Which requests a peer serves first is up to the peer, so this only
	// checks that the index arrives long before the whole file could.
	waitFor(t, 20*time.Second, "the moov box never arrived", func() bool {
		return complete(status(t, e, h), size-moov, size)
	})
	if st := status(t, e, h); st.Complete {
		t.Fatalf("the whole file arrived before the moov box was seen complete")
	}
	// A fast-start MP4 (moov first) needs nothing from its end.
	seed2, _, magnet2 := seedData(t, "clip.mp4", bytes.Join([][]byte{
		withPayload(box("ftyp", 24, false), 24), withPayload(box("moov", 1000, false), 1000), randomBytes(24 << 20),
	}, nil))
	e2, h2, _ := leech(t, seed2, magnet2, func(c *torrent.Config) { c.DownloadRate = 1 << 20 })
	r2, err := e2.OpenFile(ctx(t, 90*time.Second), h2, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if _, err := io.ReadFull(r2, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	at2 := anacrolix(t, e2, h2)
	// The rest of the file waits until the reader's window (at least
	// MinReadahead, 8 s at this rate) is in; allow for a busy machine.
	waitFor(t, 45*time.Second, "fast-start MP4: the rest of the file was never asked for", func() bool {
		st := at2.PieceState(at2.NumPieces() - 1)
		if st.Priority == types.PiecePriorityNext {
			t.Fatal("fast-start MP4: its last piece was raised as if it held the index")
		}
		return st.Priority == types.PiecePriorityNormal || st.Complete
	})
}

// matroskaWithCues is size random bytes headed by a Matroska SeekHead that
// places the Cues at cues.
func matroskaWithCues(t *testing.T, size, cues int) []byte {
	t.Helper()
	data := randomBytes(size)
	head := []byte{
		0x1A, 0x45, 0xDF, 0xA3, 0x80, // EBML header
		0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // Segment, unknown size
		0x11, 0x4D, 0x9B, 0x74, 0x91, // SeekHead
		0x4D, 0xBB, 0x8E, // Seek
		0x53, 0xAB, 0x84, 0x1C, 0x53, 0xBB, 0x6B, // SeekID: Cues
		0x53, 0xAC, 0x84, 0, 0, 0, 0, // SeekPosition, filled in below
	}
	const segmentData = 17
	binary.BigEndian.PutUint32(head[len(head)-4:], uint32(cues-segmentData))
	copy(data, head)
	if got, ok := torrent.MatroskaCues(data[:64<<10]); !ok || got != int64(cues) {
		t.Fatalf("MatroskaCues = %d, %v; want %d", got, ok, cues)
	}
	return data
}

// A Matroska file whose SeekHead places its Cues inside the file gets
// those early, not its tail.
func TestMatroskaCuesComeEarly(t *testing.T) {
	t.Parallel()
	const size, cues = 32 << 20, 24 << 20
	data := matroskaWithCues(t, size, cues)
	e, h, r := streamFile(t, "film.mkv", data, nil, func(c *torrent.Config) { c.DownloadRate = 2 << 20 })
	readAt(t, r, data, 0, 1)
	waitFor(t, 20*time.Second, "the Cues never arrived", func() bool {
		return complete(status(t, e, h), cues, cues+1<<20)
	})
	st := status(t, e, h)
	if complete(st, size/2, size/2+1) || complete(st, size-1, size) || st.Complete {
		t.Fatalf("the middle or the tail arrived with the Cues: %v", st.Buffered)
	}
}

// Readers of the same film share the early Cues: they stay wanted early
// until the last reader closes.
func TestCuesShared(t *testing.T) {
	t.Parallel()
	const size, cues = 32 << 20, 24 << 20
	data := matroskaWithCues(t, size, cues)
	// Slow enough that the Cues are still missing when the test looks.
	e, h, r := streamFile(t, "film.mkv", data, nil, func(c *torrent.Config) { c.DownloadRate = 64 << 10 })
	at := anacrolix(t, e, h)
	piece := int(cues / at.Info().PieceLength)
	readAt(t, r, data, 0, 1)
	waitFor(t, 20*time.Second, "the Cues were never asked for early", func() bool {
		return at.PieceState(piece).Priority == types.PiecePriorityNext
	})
	r2, err := e.OpenFile(ctx(t, 20*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	readAt(t, r2, data, 0, 1)
	// The second reader's warm-up reads the head aside, then asks.
	waitFor(t, 10*time.Second, "the second reader never asked for the Cues", func() bool {
		return torrent.Boosts(e, h, piece) == 2
	})
	r.Close()
	if st := at.PieceState(piece); st.Complete || st.Priority != types.PiecePriorityNext {
		t.Fatalf("Cues piece %+v after one of two readers closed, want still asked for early", st)
	}
	r2.Close()
	if st := at.PieceState(piece); !st.Complete && st.Priority == types.PiecePriorityNext {
		t.Fatalf("Cues piece still asked for early after both readers closed: %+v", st)
	}
}
