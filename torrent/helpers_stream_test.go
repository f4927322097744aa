package torrent_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	atorrent "github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/types"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

// randomBytes returns n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// seedData seeds data as a file called name from a new engine.
func seedData(t *testing.T, name string, data []byte, mod ...func(*torrent.Config)) (e *torrent.Engine, hash, magnet string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e = newEngine(t, t.TempDir(), mod...)
	mi, hash, err := e.Seed(ctx(t, 30*time.Second), p, nil)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return e, hash, torrent.Magnet(mi)
}

// peerless adds a torrent of data named name to an engine that has no peer:
// its metadata is known at once, its pieces never arrive.
func peerless(t *testing.T, name string, data []byte, mod ...func(*torrent.Config)) (*torrent.Engine, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	mi, err := torrent.MakeTorrent(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bencode.Marshal(mi)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, t.TempDir(), mod...)
	h, err := e.AddTorrent(ctx(t, 5*time.Second), b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Info(ctx(t, 5*time.Second), h); err != nil {
		t.Fatal(err)
	}
	// Piece priorities read as none until anacrolix has loaded each piece's
	// completion from storage.
	at := anacrolix(t, e, h)
	waitFor(t, 10*time.Second, "piece completion never loaded", func() bool {
		for i := range at.NumPieces() {
			if st := at.PieceState(i); !st.Ok || st.Marking {
				return false
			}
		}
		return true
	})
	return e, h
}

// anacrolix is the client torrent behind h, failing the test when absent.
func anacrolix(t *testing.T, e *torrent.Engine, h string) *atorrent.Torrent {
	t.Helper()
	at := torrent.AnacrolixTorrent(e, h)
	if at == nil {
		t.Fatalf("torrent %s is not in memory", h)
	}
	return at
}

// priorities lists the effective priority of every piece.
func priorities(at *atorrent.Torrent) []types.PiecePriority {
	ps := make([]types.PiecePriority, at.NumPieces())
	for i := range ps {
		ps[i] = at.PieceState(i).Priority
	}
	return ps
}

// complete reports whether bytes [from, to) are verified.
func complete(st *hypertube.TorrentStatus, from, to int64) bool {
	for _, r := range st.Buffered {
		if r.Start <= from && to <= r.End {
			return true
		}
	}
	return false
}

// waitFor polls cond every 20 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
	}
}

// status is e.Status(h), failing the test on error.
func status(t *testing.T, e *torrent.Engine, h string) *hypertube.TorrentStatus {
	t.Helper()
	st, err := e.Status(h)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

// readahead is the window of a reader opened by Engine.OpenFile.
func readahead(t *testing.T, r io.Reader) int64 {
	t.Helper()
	ra, ok := r.(interface{ Readahead() int64 })
	if !ok {
		t.Fatalf("%T has no Readahead method", r)
	}
	return ra.Readahead()
}

// streamFile seeds data as a file called name, adds it by magnet to a new engine
// pointed at the seeder and opens the file, closed with the test; the mods,
// which may be nil, adjust the seeder's and the leecher's configuration.
func streamFile(t *testing.T, name string, data []byte, seedMod, leechMod func(*torrent.Config)) (*torrent.Engine, string, hypertube.TorrentReader) {
	t.Helper()
	var seedMods, leechMods []func(*torrent.Config)
	if seedMod != nil {
		seedMods = append(seedMods, seedMod)
	}
	if leechMod != nil {
		leechMods = append(leechMods, leechMod)
	}
	seed, _, magnet := seedData(t, name, data, seedMods...)
	e, h, _ := leech(t, seed, magnet, leechMods...)
	r, err := e.OpenFile(ctx(t, 30*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return e, h, r
}

// readAt seeks r to at and reads the n bytes of data there.
func readAt(t *testing.T, r io.ReadSeeker, data []byte, at int64, n int) {
	t.Helper()
	if _, err := r.Seek(at, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, data[at:at+int64(n)]) {
		t.Fatalf("reading %d bytes at %d: %v", n, at, err)
	}
}
