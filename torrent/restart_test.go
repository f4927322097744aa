package torrent_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

// buffered sums the lengths of Status.Buffered.
func buffered(st *hypertube.TorrentStatus) (n int64) {
	for _, r := range st.Buffered {
		if r.End <= r.Start {
			return -1
		}
		n += r.End - r.Start
	}
	return n
}

func TestRestartResumes(t *testing.T) {
	seed, hash, magnet, data := seeder(t, fileSize)
	dir := t.TempDir()
	slow := func(c *torrent.Config) { c.DownloadRate = 2 << 20 }
	e1 := newEngine(t, dir, slow)
	if _, err := e1.AddMagnet(context.Background(), magnet); err != nil {
		t.Fatal(err)
	}
	e1.AddPeers(hash, addrPort(t, seed.ListenAddr()))
	dlCtx, stop := context.WithCancel(context.Background())
	defer stop()
	go e1.DownloadAll(dlCtx, hash)

	// Stop after about half, checking on the way that Buffered grows and
	// agrees with BytesCompleted.
	var last int64
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := e1.Status(hash)
		if err != nil {
			t.Fatal(err)
		}
		if b := buffered(st); b != st.BytesCompleted || b < last {
			t.Fatalf("Buffered %v (%d bytes) vs BytesCompleted %d, previously %d", st.Buffered, b, st.BytesCompleted, last)
		}
		last = st.BytesCompleted
		if last >= fileSize/2 {
			if st.Complete {
				t.Fatal("download finished despite the rate limit; cannot test resuming")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if err := e1.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	e2 := newEngine(t, dir)
	hashes, err := e2.Restore(context.Background())
	if err != nil || len(hashes) != 1 || hashes[0] != hash {
		t.Fatalf("Restore = %v, %v", hashes, err)
	}
	st, err := e2.Status(hash)
	if err != nil {
		t.Fatal(err)
	}
	if st.BytesCompleted < fileSize/2 || st.Complete {
		t.Fatalf("after restart %d bytes complete, want >= %d and not complete", st.BytesCompleted, fileSize/2)
	}
	missing := fileSize - st.BytesCompleted
	info, err := e2.Info(context.Background(), hash)
	if err != nil {
		t.Fatal(err)
	}
	e2.AddPeers(hash, addrPort(t, seed.ListenAddr()))
	if err := e2.DownloadAll(ctx(t, 30*time.Second), hash); err != nil {
		t.Fatalf("DownloadAll after restart: %v", err)
	}
	st, err = e2.Status(hash)
	if err != nil {
		t.Fatal(err)
	}
	if st.BytesRead > missing+info.PieceLength {
		t.Fatalf("after restart read %d bytes, but only %d were missing", st.BytesRead, missing)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, "film.mp4"))
	if err != nil || !bytes.Equal(onDisk, data) {
		t.Fatalf("file on disk differs after resuming (%v)", err)
	}

	// Drop forgets the torrent for good but keeps its file.
	if err := e2.Drop(hash); err != nil {
		t.Fatal(err)
	}
	if _, err := e2.Status(hash); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Fatalf("Status after Drop = %v, want ENOTFOUND", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "film.mp4")); err != nil {
		t.Fatalf("Drop removed the file: %v", err)
	}
	e2.Close()
	e3 := newEngine(t, dir)
	if hashes, err := e3.Restore(context.Background()); err != nil || len(hashes) != 0 {
		t.Fatalf("Restore after Drop = %v, %v; want nothing", hashes, err)
	}
}
