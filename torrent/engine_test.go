package torrent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

const fileSize = 8 << 20

// newEngine starts an offline engine on loopback, closed with the test.
func newEngine(t *testing.T, dataDir string, mod ...func(*torrent.Config)) *torrent.Engine {
	t.Helper()
	cfg := torrent.Config{
		DataDir:    dataDir,
		ListenAddr: "127.0.0.1:0",
		NoDHT:      true, NoPEX: true, NoUTP: true,
		Logger: slog.New(slog.DiscardHandler),
	}
	for _, m := range mod {
		m(&cfg)
	}
	e, err := torrent.NewEngine(cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// seeder writes size random bytes to a file and seeds it.
func seeder(t *testing.T, size int) (e *torrent.Engine, hash, magnet string, data []byte) {
	t.Helper()
	src := t.TempDir()
	data = make([]byte, size)
	rand.Read(data)
	p := filepath.Join(src, "film.mp4")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e = newEngine(t, t.TempDir())
	mi, hash, err := e.Seed(ctx(t, 30*time.Second), p, nil)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if got := mi.HashInfoBytes().HexString(); got != hash {
		t.Fatalf("Seed hash %s, metainfo hash %s", hash, got)
	}
	st, err := e.Status(hash)
	if err != nil || !st.Complete || st.BytesCompleted != int64(size) {
		t.Fatalf("seeder status %+v, %v; want complete", st, err)
	}
	return e, hash, torrent.Magnet(mi), data
}

func ctx(t *testing.T, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return c
}

func addrPort(t *testing.T, a net.Addr) netip.AddrPort {
	t.Helper()
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// leech adds the magnet to a fresh engine pointed at the seeder.
func leech(t *testing.T, seed *torrent.Engine, magnet string, mod ...func(*torrent.Config)) (*torrent.Engine, string, string) {
	t.Helper()
	dir := t.TempDir()
	e := newEngine(t, dir, mod...)
	h, err := e.AddMagnet(ctx(t, 5*time.Second), magnet)
	if err != nil {
		t.Fatalf("AddMagnet: %v", err)
	}
	e.AddPeers(h, addrPort(t, seed.ListenAddr()))
	return e, h, dir
}

func TestDownloadByMagnet(t *testing.T) {
	seed, hash, magnet, data := seeder(t, fileSize)
	e, h, dir := leech(t, seed, magnet)
	if h != hash {
		t.Fatalf("AddMagnet = %s, want %s", h, hash)
	}
	info, err := e.Info(ctx(t, 20*time.Second), h)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	if info.Name != "film.mp4" || info.Length != fileSize || len(info.Files) != 1 || info.NumPieces*int(info.PieceLength) < fileSize {
		t.Fatalf("Info = %+v", info)
	}
	if f, ok := torrent.LargestVideoFile(info); !ok || f.Index != 0 {
		t.Fatalf("LargestVideoFile = %+v, %v", f, ok)
	}
	st, err := e.Status(h)
	if err != nil || !st.HasInfo || st.Complete || st.Length != fileSize {
		t.Fatalf("Status before download = %+v, %v", st, err)
	}

	r, err := e.OpenFile(ctx(t, 60*time.Second), h, 0)
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	if st, _ := e.Status(h); st.Readers != 1 {
		t.Fatalf("Readers = %d with one open reader", st.Readers)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes differing from the seeded file", len(got))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.DownloadAll(ctx(t, 30*time.Second), h); err != nil {
		t.Fatalf("DownloadAll: %v", err)
	}
	st, err = e.Status(h)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Complete || st.BytesCompleted != fileSize || st.Readers != 0 || st.BytesRead < fileSize ||
		len(st.Buffered) != 1 || st.Buffered[0] != (hypertube.ByteRange{Start: 0, End: fileSize}) {
		t.Fatalf("Status after download = %+v", st)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, "film.mp4"))
	if err != nil || !bytes.Equal(onDisk, data) {
		t.Fatalf("file on disk differs (%v)", err)
	}
	if p, err := e.FilePath(h, 0); err != nil || p != filepath.Join(dir, "film.mp4") {
		t.Fatalf("FilePath = %q, %v", p, err)
	}
}

func TestUnknownAndDropped(t *testing.T) {
	e := newEngine(t, t.TempDir())
	unknown := "0123456789abcdef0123456789abcdef01234567"
	if _, err := e.Status(unknown); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Fatalf("Status(unknown) = %v, want ENOTFOUND", err)
	}
	if err := e.Drop(unknown); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Fatalf("Drop(unknown) = %v, want ENOTFOUND", err)
	}
	h, err := e.AddMagnet(context.Background(), unknown)
	if err != nil || h != unknown {
		t.Fatalf("AddMagnet(bare hash) = %q, %v", h, err)
	}
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := e.Info(c, h); hypertube.ErrorCode(err) != hypertube.ETIMEOUT || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Info without peers = %v, want ETIMEOUT wrapping the deadline", err)
	}
	if err := e.Drop(h); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Status(h); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Fatalf("Status after Drop = %v, want ENOTFOUND", err)
	}
}

// writeRandom writes size random bytes to a new file named name.
func writeRandom(t *testing.T, name string, size int) string {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
