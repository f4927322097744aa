package torrent_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

func inMemory(e *torrent.Engine, h string) bool { return torrent.AnacrolixTorrent(e, h) != nil }

func TestIdleTorrentIsReleasedAndComesBack(t *testing.T) {
	t.Parallel()
	const size = 2 << 20
	seed, hash, magnet, data := seeder(t, size)
	short := func(c *torrent.Config) { c.IdleTimeout = 300 * time.Millisecond }
	e, h, _ := leech(t, seed, magnet, short)
	if err := e.DownloadAll(ctx(t, 30*time.Second), h); err != nil {
		t.Fatal(err)
	}
	// An open reader keeps it in memory well past the timeout.
	r, err := e.OpenFile(ctx(t, 10*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if !inMemory(e, h) {
		t.Fatal("a torrent with an open reader was released")
	}
	r.Close()
	waitFor(t, 5*time.Second, "the idle torrent was never released", func() bool { return !inMemory(e, h) })

	// Status re-adds it from the saved metainfo, with what is on disk.
	seed.Close() // nothing may come from peers from now on
	st, err := e.Status(h)
	if err != nil {
		t.Fatalf("Status of a released torrent: %v", err)
	}
	if !st.HasInfo || st.Length != size || st.Readers != 0 {
		t.Fatalf("Status after release = %+v", st)
	}
	waitFor(t, 5*time.Second, "the re-added torrent lost its verified pieces", func() bool {
		st := status(t, e, h)
		return st.Complete && st.BytesCompleted == size
	})

	// Released again, a reader brings it back and reads from disk.
	waitFor(t, 5*time.Second, "the re-added torrent was never released", func() bool { return !inMemory(e, h) })
	r, err = e.OpenFile(ctx(t, 10*time.Second), h, 0)
	if err != nil {
		t.Fatalf("OpenFile of a released torrent: %v", err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("reading a re-added torrent: %v", err)
	}

	// AddMagnet of a released torrent takes the saved metainfo: no peer
	// could send it now.
	waitFor(t, 5*time.Second, "not released", func() bool { return !inMemory(e, h) })
	if got, err := e.AddMagnet(context.Background(), magnet); err != nil || got != hash {
		t.Fatalf("AddMagnet of a released torrent = %q, %v", got, err)
	}
	if _, err := e.Info(ctx(t, 2*time.Second), h); err != nil {
		t.Fatalf("Info after AddMagnet of a released torrent: %v", err)
	}

	// Drop forgets a released torrent for good.
	waitFor(t, 5*time.Second, "not released", func() bool { return !inMemory(e, h) })
	if err := e.Drop(h); err != nil {
		t.Fatalf("Drop of a released torrent: %v", err)
	}
	if _, err := e.Status(h); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
		t.Fatalf("Status after Drop = %v, want ENOTFOUND", err)
	}
}

// Some torrents are never released: all of them when IdleTimeout is
// negative, seeded paths, and complete torrents of an engine that seeds.
func TestIdleReleaseSpares(t *testing.T) {
	t.Parallel()
	short := func(c *torrent.Config) { c.IdleTimeout = 100 * time.Millisecond }
	never, h1 := peerless(t, "film.mkv", randomBytes(1<<20), func(c *torrent.Config) { c.IdleTimeout = -1 })
	seed, h2, magnet := seedData(t, "film.mp4", randomBytes(1<<20), short)
	seeding, h3, _ := leech(t, seed, magnet, short, func(c *torrent.Config) { c.Seed = true })
	if err := seeding.DownloadAll(ctx(t, 20*time.Second), h3); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	for name, in := range map[string]bool{
		"negative timeout":       inMemory(never, h1),
		"seeded path":            inMemory(seed, h2),
		"complete, engine seeds": inMemory(seeding, h3),
	} {
		if !in {
			t.Errorf("%s: released", name)
		}
	}
}
