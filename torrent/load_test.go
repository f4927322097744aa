package torrent_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

// library seeds n films of size bytes from one engine and adds them to a
// leecher pointed at it.
func library(t *testing.T, n, size int) (seed, e *torrent.Engine, hashes []string, films [][]byte) {
	t.Helper()
	seed = newEngine(t, t.TempDir())
	e = newEngine(t, t.TempDir())
	dir := t.TempDir()
	for i := range n {
		data := randomBytes(size)
		p := filepath.Join(dir, fmt.Sprintf("film%d.mp4", i))
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		mi, h, err := seed.Seed(ctx(t, 30*time.Second), p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddMagnet(context.Background(), torrent.Magnet(mi)); err != nil {
			t.Fatal(err)
		}
		e.AddPeers(h, addrPort(t, seed.ListenAddr()))
		hashes = append(hashes, h)
		films = append(films, data)
	}
	return seed, e, hashes, films
}

// Twenty viewers of five films read at once, while the engine mutex is
// held throughout: reads never need it.
func TestManyViewers(t *testing.T) {
	const films, viewers, size = 5, 20, 4 << 20
	_, e, hashes, data := library(t, films, size)
	readers := make([]hypertube.TorrentReader, viewers)
	for i := range readers {
		r, err := e.OpenFile(ctx(t, 60*time.Second), hashes[i%films], 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		readers[i] = r
	}
	unlock := torrent.LockEngine(e)
	defer unlock()
	var wg sync.WaitGroup
	errs := make(chan error, viewers)
	for i, r := range readers {
		wg.Go(func() {
			got, err := io.ReadAll(r)
			if err == nil && !bytes.Equal(got, data[i%films]) {
				err = fmt.Errorf("viewer %d read %d bytes differing from film %d", i, len(got), i%films)
			}
			errs <- err
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("viewers still reading after 60 s")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Torrents dropped after their readers closed leave no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	const films = 5
	seed, e, hashes, data := library(t, films, 1<<20)
	for _, h := range hashes {
		if _, err := e.Info(ctx(t, 20*time.Second), h); err != nil {
			t.Fatal(err)
		}
		if err := e.Drop(h); err != nil {
			t.Fatal(err)
		}
	}
	settle := func() int {
		runtime.GC()
		time.Sleep(300 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	baseline := settle()

	for i, h := range hashes {
		if _, err := e.AddMagnet(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		e.AddPeers(h, addrPort(t, seed.ListenAddr()))
		for range 2 {
			r, err := e.OpenFile(ctx(t, 30*time.Second), h, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 64<<10)
			if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, data[i][:len(got)]) {
				t.Fatalf("film %d: %v", i, err)
			}
			r.Close()
		}
	}
	during := runtime.NumGoroutine()
	for _, h := range hashes {
		if err := e.Drop(h); err != nil {
			t.Fatal(err)
		}
	}
	const slack = 5
	var now int
	deadline := time.Now().Add(15 * time.Second)
	for now = settle(); now > baseline+slack && time.Now().Before(deadline); now = settle() {
	}
	if now > baseline+slack {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after dropping, %d before adding (%d with the torrents)\n%s",
			now, baseline, during, buf[:runtime.Stack(buf, true)])
	}
	t.Logf("goroutines: %d before, %d with 5 torrents, %d after", baseline, during, now)
}
