package torrent_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/hypertube/hypertube/torrent"
)

func TestReadNearEndFirst(t *testing.T) {
	seed, hash, magnet, data := seeder(t, fileSize)
	// 1 MiB/s: the whole file cannot arrive in under ~7 s.
	e, h, _ := leech(t, seed, magnet, func(c *torrent.Config) { c.DownloadRate = 1 << 20 })
	r, err := e.OpenFile(ctx(t, 30*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const tail = 100 << 10
	if pos, err := r.Seek(-tail, io.SeekEnd); err != nil || pos != fileSize-tail {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data[fileSize-tail:]) {
		t.Fatalf("tail differs (%d bytes)", len(got))
	}
	st, err := e.Status(hash)
	if err != nil {
		t.Fatal(err)
	}
	if st.Complete || st.BytesCompleted >= fileSize {
		t.Fatalf("whole file already there; the test proves nothing: %+v", st)
	}
	// Responsive readers may return bytes before their piece is verified;
	// Buffered shows the tail once it is.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if st, err = e.Status(hash); err != nil {
			t.Fatal(err)
		}
		if n := len(st.Buffered); n > 0 && st.Buffered[n-1].End == fileSize {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Buffered %v never held the tail just read", st.Buffered)
		}
	}
	// The rest keeps downloading after a reader opened the file.
	deadline := time.Now().Add(20 * time.Second)
	for {
		time.Sleep(300 * time.Millisecond)
		st2, err := e.Status(hash)
		if err != nil {
			t.Fatal(err)
		}
		if st2.BytesCompleted > st.BytesCompleted && st2.DownloadRate > 0 && st2.Peers == 1 && st2.Seeders == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress after the tail was read: %+v", st2)
		}
	}
}

func TestReaderContextCancelUnblocksRead(t *testing.T) {
	mi, err := torrent.MakeTorrent(writeRandom(t, "clip.webm", 1<<20), nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := bencode.Marshal(mi)
	if err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, t.TempDir()) // no peers: reads can only wait
	h, err := e.AddTorrent(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	r, err := e.OpenFile(rctx, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 1024))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Read returned %v with no peer to give data", err)
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Read after cancel returned no error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read still blocked 10 s after its context was cancelled")
	}
	if st, _ := e.Status(h); st.Readers != 1 {
		t.Fatalf("Readers = %d before Close", st.Readers)
	}
	r.Close()
	r.Close() // twice is harmless
	if st, _ := e.Status(h); st.Readers != 0 {
		t.Fatalf("Readers = %d after Close", st.Readers)
	}
	if _, err := e.OpenFile(context.Background(), h, 1); err == nil {
		t.Fatal("OpenFile of a missing file index succeeded")
	}
}
