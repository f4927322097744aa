package torrent_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/torrent"
)

func TestQueueFor(t *testing.T) {
	const ms = time.Millisecond
	for _, c := range []struct {
		rate    float64
		rtt     time.Duration
		allowed int
		want    int
	}{
		{0, 0, 1024, 4},                       // not measured yet: the floor
		{100 << 10, 0, 1024, 4},               // slow: the floor
		{1 << 20, 0, 1024, 10},                // 0.15 s of 1 MiB/s, rounded up
		{1 << 20, 100 * ms, 1024, 23},         // and twice the round trip
		{8 << 20, 0, 1024, 77},                // 0.15 s of 8 MiB/s
		{500 << 20, 0, 1024, 1024},            // fast: as many as the peer accepts
		{8 << 20, 50 * ms, 50, 50},            // the peer's reqq comes first
		{0, 0, 2, 2},                          // even under the floor
		{0, 0, 0, 1},                          // a peer that accepts none still gets one
		{1 << 20, 2 * time.Second, 1024, 266}, // a slow link's round trip
	} {
		if got := torrent.QueueFor(c.rate, c.rtt, c.allowed); got != c.want {
			t.Errorf("QueueFor(%v, %v, %d) = %d, want %d", c.rate, c.rtt, c.allowed, got, c.want)
		}
	}
}

// A seek into a throttled seeder's film is served after a fraction of a
// second of what was requested before it, not after the seconds of
// requests anacrolix would otherwise leave with the peer: counted in bytes
// completed, not time.
func TestSeekWaitsBehindFewRequests(t *testing.T) {
	t.Parallel()
	const size = 48 << 20
	const upload = 1 << 20
	data := randomBytes(size)
	e, h, r := streamFile(t, "film.webm", data, func(c *torrent.Config) { c.UploadRate = upload }, nil)
	readAt(t, r, data, 0, 64<<10)
	// Let the window's requests pile up with the seeder, its burst spent.
	waitFor(t, 20*time.Second, "the window never started downloading", func() bool {
		return status(t, e, h).BytesCompleted >= 3<<20
	})
	before := status(t, e, h).BytesRead
	if queues, _ := torrent.RequestQueues(e); len(queues) != 1 || queues[0] > 24 {
		t.Errorf("request queues %v with a 1 MiB/s peer, want one of at most 24 (0.4 s)", queues)
	}
	const at = size * 7 / 10
	readAt(t, r, data, at, 64<<10)
	// What came in meanwhile: the queue (~0.15 s of 1 MiB/s) and the piece
	// at 70 % (256 KiB). Without pacing the seeder held megabytes of
	// requests and served them in random order.
	if grew := status(t, e, h).BytesRead - before; grew > 2<<20 {
		t.Errorf("%.1f MiB arrived between the seek and its first bytes", float64(grew)/(1<<20))
	}
}

// Pacing does not hold back a fast peer: on loopback the queue grows
// toward what the peer accepts.
func TestQueueGrowsWithAFastPeer(t *testing.T) {
	t.Parallel()
	const size = 64 << 20
	data := randomBytes(size)
	e, _, r := streamFile(t, "film.webm", data, nil, nil)
	b, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(b, data) {
		var st strings.Builder
		torrent.WriteStatus(e, &st)
		q, top := torrent.RequestQueues(e)
		t.Fatalf("read: %v (queues %v, top %d)\n%s", err, q, top, st.String())
	}
	if _, top := torrent.RequestQueues(e); top < 128 {
		t.Errorf("largest request queue %d with an unthrottled loopback peer, want 128 or more", top)
	}
}
