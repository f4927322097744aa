package tracker_test

import (
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/hypertube/hypertube/tracker"
)

// clock is a fake time source that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newHTTP starts trk behind a real HTTP server on 127.0.0.1, mounted the way
// the web server mounts it.
func newHTTP(t *testing.T, trk *tracker.Tracker) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /announce", trk)
	mux.Handle("GET /scrape", trk)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func infoHash(n byte) [20]byte {
	var h [20]byte
	for i := range h {
		h[i] = n
	}
	return h
}

func peerID(n int) [20]byte {
	var id [20]byte
	copy(id[:], fmt.Sprintf("-HT0001-%012d", n))
	return id
}

// announceQuery is the query of an announce by peer n of torrent h from ip;
// extra key/value pairs override or add parameters.
func announceQuery(h [20]byte, n int, ip string, left int, extra ...string) url.Values {
	id := peerID(n)
	q := url.Values{
		"info_hash":  {string(h[:])},
		"peer_id":    {string(id[:])},
		"ip":         {ip},
		"port":       {fmt.Sprint(6881 + n)},
		"uploaded":   {"0"},
		"downloaded": {"0"},
		"left":       {fmt.Sprint(left)},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return q
}

// get fetches base+path?rawQuery and decodes the bencoded dict it answers
// with.
func get(t *testing.T, base, path, rawQuery string) map[string]any {
	t.Helper()
	resp, err := http.Get(base + path + "?" + rawQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %q", path, resp.StatusCode, body)
	}
	var m map[string]any
	if err := bencode.Unmarshal(body, &m); err != nil {
		t.Fatalf("GET %s: body %q is not a bencoded dict: %v", path, body, err)
	}
	return m
}

// announce sends an announce that must succeed.
func announce(t *testing.T, base string, q url.Values) map[string]any {
	t.Helper()
	m := get(t, base, "/announce", q.Encode())
	if r, ok := m["failure reason"]; ok {
		t.Fatalf("announce failed: %v", r)
	}
	return m
}

func intField(t *testing.T, m map[string]any, key string) int {
	t.Helper()
	v, ok := m[key].(int64)
	if !ok {
		t.Fatalf("%q is %T (%v), want an integer; response %v", key, m[key], m[key], m)
	}
	return int(v)
}

// compact decodes a BEP 23 / BEP 7 peer string.
func compact(t *testing.T, v any, size int) []netip.AddrPort {
	t.Helper()
	s, ok := v.(string)
	if !ok || len(s)%size != 0 {
		t.Fatalf("compact peers %T %q: want a string of %d-byte entries", v, v, size)
	}
	var out []netip.AddrPort
	for i := 0; i < len(s); i += size {
		ip, _ := netip.AddrFromSlice([]byte(s[i : i+size-2]))
		out = append(out, netip.AddrPortFrom(ip, binary.BigEndian.Uint16([]byte(s[i+size-2:i+size]))))
	}
	return out
}

func addrs(ss ...string) map[netip.AddrPort]bool {
	m := make(map[netip.AddrPort]bool)
	for _, s := range ss {
		m[netip.MustParseAddrPort(s)] = true
	}
	return m
}

func sameAddrs(t *testing.T, got []netip.AddrPort, want map[netip.AddrPort]bool) {
	t.Helper()
	seen := make(map[netip.AddrPort]bool)
	for _, a := range got {
		if !want[a] || seen[a] {
			t.Fatalf("peers %v, want exactly %v", got, want)
		}
		seen[a] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("peers %v, want exactly %v", got, want)
	}
}
