package torrent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hypertube/hypertube/stream"
	"github.com/hypertube/hypertube/torrent"
)

// A seek far ahead is served before the pieces in between, and pieces
// already verified are served without waiting.
func TestSeekServesTheNewPositionFirst(t *testing.T) {
	t.Parallel()
	const size = 32 << 20
	data := randomBytes(size)
	e, h, r := streamFile(t, "film.webm", data, nil, func(c *torrent.Config) { c.DownloadRate = 2 << 20 })
	head := data[:64<<10]
	readAt(t, r, data, 0, len(head))
	// Responsive reads may run ahead of verification; wait for the piece.
	waitFor(t, 10*time.Second, "the head was never verified", func() bool {
		return complete(status(t, e, h), 0, int64(len(head)))
	})
	const at = size * 7 / 10
	got := data[at : at+64<<10]
	readAt(t, r, data, at, len(got))
	// Responsive reads may run ahead of verification; wait for the piece.
	waitFor(t, 10*time.Second, "the piece at 70% was never verified", func() bool {
		return complete(status(t, e, h), at, at+int64(len(got)))
	})
	if st := status(t, e, h); complete(st, size/2, size/2+1) || st.Complete {
		t.Fatalf("pieces between the head and 70%% came first: %v", st.Buffered)
	}

	// A reader whose context has already ended still gets verified bytes:
	// they come from disk, without waiting on any peer.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	r2, err := e.OpenFile(done, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	again := make([]byte, len(head))
	if _, err := io.ReadFull(r2, again); err != nil || !bytes.Equal(again, head) {
		t.Fatalf("re-reading verified bytes: %v", err)
	}
	if _, err := r2.Seek(size/2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Read(again); !errors.Is(err, context.Canceled) {
		t.Fatalf("reading missing bytes with an ended context = %v, want context.Canceled", err)
	}
}

// serveFile mounts stream.Serve over Engine.OpenFile the way the web
// package does.
func serveFile(e *torrent.Engine, h string, firstByte time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := e.Info(r.Context(), h)
		size := int64(1 << 20)
		if err == nil {
			size = info.Files[0].Length
		}
		stream.Serve(w, r, stream.Content{
			Name: "film.mp4",
			Size: size,
			Open: func(ctx context.Context, offset int64) (io.ReadCloser, error) {
				rd, err := e.OpenFile(ctx, h, 0)
				if err != nil {
					return nil, err
				}
				if _, err := rd.Seek(offset, io.SeekStart); err != nil {
					rd.Close()
					return nil, err
				}
				return rd, nil
			},
			FirstByteTimeout: firstByte,
		})
	})
}

// A torrent nobody seeds answers 504 at the first-byte deadline rather
// than hanging the player, and leaves no reader behind.
func TestDeadSwarmTimesOut(t *testing.T) {
	t.Parallel()
	e, h := peerless(t, "film.mp4", randomBytes(2<<20))
	srv := httptest.NewServer(serveFile(e, h, time.Second))
	defer srv.Close()
	for _, rng := range []string{"", "bytes=1000000-"} {
		req, _ := http.NewRequestWithContext(ctx(t, 10*time.Second), "GET", srv.URL, nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if took := time.Since(start); resp.StatusCode != http.StatusGatewayTimeout || took > 5*time.Second {
			t.Fatalf("range %q: status %d after %v, want 504 after about 1 s", rng, resp.StatusCode, took)
		}
	}
	waitFor(t, 5*time.Second, "abandoned readers were not closed", func() bool {
		return status(t, e, h).Readers == 0
	})

	// The same for a magnet whose metadata never comes.
	e2 := newEngine(t, t.TempDir())
	h2, err := e2.AddMagnet(context.Background(), "0123456789abcdef0123456789abcdef01234567")
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stream.Serve(w, r, stream.Content{
			Name: "film.mp4", Size: 1 << 20, FirstByteTimeout: time.Second,
			Open: func(ctx context.Context, _ int64) (io.ReadCloser, error) { return e2.OpenFile(ctx, h2, 0) },
		})
	}))
	defer srv2.Close()
	start := time.Now()
	resp, err := http.Get(srv2.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusGatewayTimeout || took > 5*time.Second {
		t.Fatalf("magnet without peers: status %d after %v, want 504 after about 1 s", resp.StatusCode, took)
	}
}

// A peer that trickles cannot hold the pieces under the reader when
// another peer has them: once a fast peer turns up, the read finishes at its
// pace.
func TestSlowPeerDoesNotStallTheReader(t *testing.T) {
	t.Parallel()
	const size = 16 << 20
	data := randomBytes(size)
	fast, _, magnet := seedData(t, "film.mp4", data)
	// 16 KiB/s after a 1 MiB burst: alone it would need over 15 minutes.
	slow, _, _ := seedData(t, "film.mp4", data, func(c *torrent.Config) { c.UploadRate = 16 << 10 })
	e, h, _ := leech(t, slow, magnet)
	r, err := e.OpenFile(ctx(t, 90*time.Second), h, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(r)
		done <- result{b, err}
	}()
	// Let the slow peer spend its burst and hold requests for the pieces
	// under the reader.
	waitFor(t, 20*time.Second, "the slow peer never sent its burst", func() bool {
		return status(t, e, h).BytesRead >= 1<<20
	})
	time.Sleep(time.Second)
	if st := status(t, e, h); st.BytesCompleted > size/2 {
		t.Fatalf("the slow peer is not slow: %+v", st)
	}
	e.AddPeers(h, addrPort(t, fast.ListenAddr()))
	select {
	case res := <-done:
		if res.err != nil {
			t.Fatalf("read failed: %v", res.err)
		}
		if !bytes.Equal(res.b, data) {
			t.Fatal("read bytes differ from the seeded file")
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("read still stalled 60 s after a fast peer joined: %+v", status(t, e, h))
	}
}
