package tracker_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/hypertube/hypertube/tracker"
)

func TestAnnounceCompact(t *testing.T) {
	trk := tracker.New(tracker.Config{Interval: 2 * time.Minute, Logger: quietLogger()})
	base := newHTTP(t, trk)
	h := infoHash(1)

	announce(t, base, announceQuery(h, 1, "10.0.0.1", 100, "event", "started"))
	announce(t, base, announceQuery(h, 2, "10.0.0.2", 100))
	announce(t, base, announceQuery(h, 3, "10.0.0.3", 0))
	announce(t, base, announceQuery(infoHash(2), 9, "10.0.0.9", 100)) // another torrent

	m := announce(t, base, announceQuery(h, 4, "10.0.0.4", 50))
	if got := intField(t, m, "interval"); got != 120 {
		t.Errorf("interval %d, want 120", got)
	}
	if got := intField(t, m, "min interval"); got != 30 {
		t.Errorf("min interval %d, want 30", got)
	}
	if c, i := intField(t, m, "complete"), intField(t, m, "incomplete"); c != 1 || i != 3 {
		t.Errorf("complete %d incomplete %d, want 1 and 3", c, i)
	}
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.1:6882", "10.0.0.2:6883", "10.0.0.3:6884"))
	if _, ok := m["peers6"]; ok {
		t.Errorf("peers6 present without IPv6 peers: %q", m["peers6"])
	}

	// Re-announcing does not duplicate the peer nor return it to itself.
	m = announce(t, base, announceQuery(h, 1, "10.0.0.1", 100))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.2:6883", "10.0.0.3:6884", "10.0.0.4:6885"))

	// A seeder is only given leechers.
	m = announce(t, base, announceQuery(h, 3, "10.0.0.3", 0))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.1:6882", "10.0.0.2:6883", "10.0.0.4:6885"))

	if c, i, d := trk.Stats(h); c != 1 || i != 3 || d != 0 {
		t.Errorf("Stats = %d, %d, %d; want 1, 3, 0", c, i, d)
	}
}

func TestAnnounceAlone(t *testing.T) {
	base := newHTTP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	m := announce(t, base, announceQuery(infoHash(1), 1, "10.0.0.1", 100))
	if s, ok := m["peers"].(string); !ok || s != "" {
		t.Errorf("peers = %#v, want an empty string", m["peers"])
	}
	if got := intField(t, m, "interval"); got != 120 {
		t.Errorf("default interval %d, want 120", got)
	}
}

func TestAnnounceNonCompact(t *testing.T) {
	base := newHTTP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	h := infoHash(1)
	announce(t, base, announceQuery(h, 1, "10.0.0.1", 100))
	announce(t, base, announceQuery(h, 2, "2001:db8::2", 100))

	m := announce(t, base, announceQuery(h, 3, "10.0.0.3", 100, "compact", "0"))
	list, ok := m["peers"].([]any)
	if !ok || len(list) != 2 {
		t.Fatalf("peers = %#v, want a list of 2 dicts", m["peers"])
	}
	id1, id2 := peerID(1), peerID(2)
	want := map[string]string{ // ip → peer id
		"10.0.0.1":    string(id1[:]),
		"2001:db8::2": string(id2[:]),
	}
	for _, item := range list {
		d := item.(map[string]any)
		ip, _ := d["ip"].(string)
		if d["peer id"] != want[ip] {
			t.Errorf("peer %v: peer id %q, want %q", d, d["peer id"], want[ip])
		}
		if port := intField(t, d, "port"); port != 6882 && port != 6883 {
			t.Errorf("peer %v: unexpected port", d)
		}
		delete(want, ip)
	}
	if len(want) != 0 {
		t.Errorf("peers %v are missing", want)
	}

	m = announce(t, base, announceQuery(h, 3, "10.0.0.3", 100, "compact", "0", "no_peer_id", "1"))
	for _, item := range m["peers"].([]any) {
		if _, ok := item.(map[string]any)["peer id"]; ok {
			t.Errorf("peer %v has a peer id despite no_peer_id", item)
		}
	}
}

func TestAnnouncePeers6(t *testing.T) {
	base := newHTTP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	h := infoHash(1)
	announce(t, base, announceQuery(h, 1, "10.0.0.1", 100))
	announce(t, base, announceQuery(h, 2, "2001:db8::2", 100))
	announce(t, base, announceQuery(h, 3, "::ffff:10.0.0.3", 100)) // IPv4-mapped counts as IPv4

	m := announce(t, base, announceQuery(h, 4, "2001:db8::4", 100, "compact", "1"))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.1:6882", "10.0.0.3:6884"))
	sameAddrs(t, compact(t, m["peers6"], 18), addrs("[2001:db8::2]:6883"))
}

// The "ip" parameter would let anyone aim a swarm at a third party, so only
// requests from this machine may use it.
func TestAnnounceIPIgnoredFromRemoteHosts(t *testing.T) {
	trk := tracker.New(tracker.Config{Logger: quietLogger()})
	h := infoHash(1)
	req := httptest.NewRequest("GET", "/announce?"+announceQuery(h, 1, "10.9.9.9", 100).Encode(), nil)
	req.RemoteAddr = "192.0.2.7:40000"
	rec := httptest.NewRecorder()
	trk.ServeHTTP(rec, req)
	if strings.Contains(rec.Body.String(), "failure reason") {
		t.Fatalf("announce failed: %s", rec.Body)
	}

	m := announce(t, newHTTP(t, trk), announceQuery(h, 2, "10.0.0.2", 100))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("192.0.2.7:6882"))
}

func TestAnnounceNumWant(t *testing.T) {
	base := newHTTP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	h := infoHash(1)
	for n := range 250 {
		announce(t, base, announceQuery(h, n, fmt.Sprintf("10.0.%d.%d", n/200, n%200+1), 100, "numwant", "0"))
	}
	for _, tc := range []struct {
		numwant string
		want    int
	}{
		{"", 50}, {"5", 5}, {"0", 0}, {"-1", 50}, {"1000", 200},
	} {
		q := announceQuery(h, 999, "10.1.0.1", 100, "numwant", tc.numwant)
		if tc.numwant == "" {
			q.Del("numwant")
		}
		m := announce(t, base, q)
		if got := len(compact(t, m["peers"], 6)); got != tc.want {
			t.Errorf("numwant %q: %d peers, want %d", tc.numwant, got, tc.want)
		}
		if got := intField(t, m, "incomplete"); got != 251 {
			t.Errorf("numwant %q: incomplete %d, want 251", tc.numwant, got)
		}
	}
}

func TestAnnounceEvents(t *testing.T) {
	trk := tracker.New(tracker.Config{Logger: quietLogger()})
	base := newHTTP(t, trk)
	h := infoHash(1)
	announce(t, base, announceQuery(h, 1, "10.0.0.1", 100, "event", "started"))
	announce(t, base, announceQuery(h, 2, "10.0.0.2", 100, "event", "started"))

	announce(t, base, announceQuery(h, 1, "10.0.0.1", 0, "event", "completed"))
	if c, i, d := trk.Stats(h); c != 1 || i != 1 || d != 1 {
		t.Errorf("after completed: Stats = %d, %d, %d; want 1, 1, 1", c, i, d)
	}
	// A client repeating "completed" is still one download.
	announce(t, base, announceQuery(h, 1, "10.0.0.1", 0, "event", "completed"))
	if _, _, d := trk.Stats(h); d != 1 {
		t.Errorf("repeated completed counted %d downloads, want 1", d)
	}

	m := announce(t, base, announceQuery(h, 2, "10.0.0.2", 100, "event", "stopped"))
	if p, _ := m["peers"].(string); p != "" {
		t.Errorf("stopped announce got peers %q, want none", p)
	}
	if c, i := intField(t, m, "complete"), intField(t, m, "incomplete"); c != 1 || i != 0 {
		t.Errorf("stopped answer: complete %d incomplete %d, want 1 and 0", c, i)
	}
	m = announce(t, base, announceQuery(h, 3, "10.0.0.3", 100))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.1:6882"))

	// "paused" (BEP 21) keeps the peer.
	announce(t, base, announceQuery(h, 3, "10.0.0.3", 100, "event", "paused"))
	if c, i, d := trk.Stats(h); c != 1 || i != 1 || d != 1 {
		t.Errorf("at the end: Stats = %d, %d, %d; want 1, 1, 1", c, i, d)
	}
}

func TestAnnounceMalformed(t *testing.T) {
	trk := tracker.New(tracker.Config{Logger: quietLogger()})
	base := newHTTP(t, trk)
	h := infoHash(1)
	for _, tc := range []struct {
		name   string
		query  string // raw query; empty means built from edit
		edit   func(url.Values)
		reason string
	}{
		{"no info_hash", "", func(q url.Values) { q.Del("info_hash") }, "info_hash is missing"},
		{"short info_hash", "", func(q url.Values) { q.Set("info_hash", "abc") }, "info_hash must be 20 bytes, got 3"},
		{"long info_hash", "", func(q url.Values) { q.Set("info_hash", strings.Repeat("a", 40)) }, "info_hash must be 20 bytes, got 40"},
		{"two info_hash", "", func(q url.Values) { q.Add("info_hash", string(h[:])) }, "info_hash must be given once"},
		{"no peer_id", "", func(q url.Values) { q.Del("peer_id") }, "peer_id is missing"},
		{"short peer_id", "", func(q url.Values) { q.Set("peer_id", "x") }, "peer_id must be 20 bytes"},
		{"no port", "", func(q url.Values) { q.Del("port") }, "port must be a number from 1 to 65535"},
		{"port zero", "", func(q url.Values) { q.Set("port", "0") }, `port must be a number from 1 to 65535, got "0"`},
		{"port too big", "", func(q url.Values) { q.Set("port", "70000") }, `got "70000"`},
		{"port not a number", "", func(q url.Values) { q.Set("port", "http") }, `got "http"`},
		{"left not a number", "", func(q url.Values) { q.Set("left", "lots") }, `left must be a whole number of bytes, got "lots"`},
		{"left negative", "", func(q url.Values) { q.Set("left", "-5") }, `left must be a whole number of bytes`},
		{"uploaded not a number", "", func(q url.Values) { q.Set("uploaded", "1e3") }, `uploaded must be a whole number`},
		{"downloaded not a number", "", func(q url.Values) { q.Set("downloaded", "x") }, `downloaded must be a whole number`},
		{"numwant not a number", "", func(q url.Values) { q.Set("numwant", "many") }, `numwant must be a whole number, got "many"`},
		{"unknown event", "", func(q url.Values) { q.Set("event", "exploded") }, `event must be started, completed, stopped or empty, got "exploded"`},
		{"ip not an address", "", func(q url.Values) { q.Set("ip", "not-an-ip") }, `ip must be an IP address`},
		{"bad escape", "info_hash=%zz&port=1", nil, "The announce URL is malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.query
			if tc.edit != nil {
				q := announceQuery(h, 1, "10.0.0.1", 100)
				tc.edit(q)
				raw = q.Encode()
			}
			m := get(t, base, "/announce", raw)
			reason, _ := m["failure reason"].(string)
			if !strings.Contains(reason, tc.reason) {
				t.Errorf("failure reason %q, want it to contain %q (response %v)", reason, tc.reason, m)
			}
			if _, ok := m["peers"]; ok {
				t.Errorf("failure answer also has peers: %v", m)
			}
		})
	}
	if c, i, _ := trk.Stats(h); c+i != 0 {
		t.Errorf("malformed announces recorded %d peers", c+i)
	}
}

func TestScrape(t *testing.T) {
	base := newHTTP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	a, b, unknown := infoHash(1), infoHash(2), infoHash(3)
	announce(t, base, announceQuery(a, 1, "10.0.0.1", 0, "event", "completed"))
	announce(t, base, announceQuery(a, 2, "10.0.0.2", 100))
	announce(t, base, announceQuery(a, 3, "10.0.0.3", 100))
	announce(t, base, announceQuery(b, 4, "10.0.0.4", 0))

	type stats struct{ complete, downloaded, incomplete int }
	want := map[[20]byte]stats{a: {1, 1, 2}, b: {1, 0, 0}, unknown: {0, 0, 0}}
	for _, tc := range []struct {
		name   string
		hashes [][20]byte
		want   [][20]byte
	}{
		{"one", [][20]byte{a}, [][20]byte{a}},
		{"many", [][20]byte{a, b, unknown}, [][20]byte{a, b, unknown}},
		{"none is every torrent", nil, [][20]byte{a, b}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{}
			for _, h := range tc.hashes {
				q.Add("info_hash", string(h[:]))
			}
			m := get(t, base, "/scrape", q.Encode())
			files, ok := m["files"].(map[string]any)
			if !ok || len(files) != len(tc.want) {
				t.Fatalf("files = %v, want %d entries", m["files"], len(tc.want))
			}
			for _, h := range tc.want {
				f, ok := files[string(h[:])].(map[string]any)
				if !ok {
					t.Fatalf("files has no entry for %x: %v", h, files)
				}
				got := stats{intField(t, f, "complete"), intField(t, f, "downloaded"), intField(t, f, "incomplete")}
				if got != want[h] {
					t.Errorf("%x: %+v, want %+v", h[:2], got, want[h])
				}
			}
		})
	}

	m := get(t, base, "/scrape", "info_hash=short")
	if r, _ := m["failure reason"].(string); !strings.Contains(r, "info_hash must be 20 bytes, got 5") {
		t.Errorf("short scrape hash: failure reason %q", r)
	}
}

func TestExpiry(t *testing.T) {
	clk := newClock()
	trk := tracker.New(tracker.Config{Interval: time.Minute, PeerTTL: 3 * time.Minute, Now: clk.Now, Logger: quietLogger()})
	base := newHTTP(t, trk)
	h := infoHash(1)

	announce(t, base, announceQuery(h, 1, "10.0.0.1", 100))
	clk.Advance(2 * time.Minute)
	m := announce(t, base, announceQuery(h, 2, "10.0.0.2", 100))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.1:6882"))

	clk.Advance(2 * time.Minute) // peer 1 is 4 minutes old, peer 2 only 2
	m = announce(t, base, announceQuery(h, 3, "10.0.0.3", 100))
	sameAddrs(t, compact(t, m["peers"], 6), addrs("10.0.0.2:6883"))
	if c, i, _ := trk.Stats(h); c != 0 || i != 2 {
		t.Errorf("Stats = %d, %d; want 0, 2", c, i)
	}

	clk.Advance(time.Hour)
	if c, i, _ := trk.Stats(h); c != 0 || i != 0 {
		t.Errorf("an hour later Stats = %d, %d; want 0, 0", c, i)
	}
	m = get(t, base, "/scrape", "")
	if files := m["files"].(map[string]any); len(files) != 0 {
		t.Errorf("full scrape after expiry lists %d torrents, want none", len(files))
	}
}

func TestExpiryDefaultsToTwoIntervals(t *testing.T) {
	clk := newClock()
	trk := tracker.New(tracker.Config{Interval: time.Minute, Now: clk.Now, Logger: quietLogger()})
	base := newHTTP(t, trk)
	h := infoHash(1)
	announce(t, base, announceQuery(h, 1, "10.0.0.1", 0))

	clk.Advance(119 * time.Second)
	if c, _, _ := trk.Stats(h); c != 1 {
		t.Fatalf("after 119 s the seeder is gone (complete %d)", c)
	}
	clk.Advance(2 * time.Second)
	if c, _, _ := trk.Stats(h); c != 0 {
		t.Errorf("after 121 s the seeder is still there (complete %d)", c)
	}
}

func TestConcurrentAnnounces(t *testing.T) {
	trk := tracker.New(tracker.Config{Logger: quietLogger()})
	h := infoHash(1)
	const workers, each = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				n := w*each + i
				q := announceQuery(h, n, fmt.Sprintf("10.0.%d.%d", w, i+1), n%2)
				if i%5 == 0 {
					q.Set("event", "completed")
				}
				rec := httptest.NewRecorder()
				trk.ServeHTTP(rec, httptest.NewRequest("GET", "/announce?"+q.Encode(), nil))
				var m map[string]any
				if err := bencode.Unmarshal(rec.Body.Bytes(), &m); err != nil || m["failure reason"] != nil {
					t.Errorf("announce %d: %v %v", n, err, m)
				}
				trk.Stats(h)
				rec = httptest.NewRecorder()
				trk.ServeHTTP(rec, httptest.NewRequest("GET", "/scrape", nil))
			}
		})
	}
	wg.Wait()
	c, i, d := trk.Stats(h)
	if c != workers*each/2 || i != workers*each/2 || d != workers*each/5 {
		t.Errorf("Stats = %d, %d, %d; want %d, %d, %d", c, i, d, workers*each/2, workers*each/2, workers*each/5)
	}
}

func TestServeHTTPRoutes(t *testing.T) {
	trk := tracker.New(tracker.Config{Logger: quietLogger()})
	for _, tc := range []struct {
		method, target string
		status         int
	}{
		{"POST", "/announce", http.StatusMethodNotAllowed},
		{"GET", "/elsewhere", http.StatusNotFound},
		{"GET", "/tracker/announce?info_hash=x", http.StatusOK},
		{"GET", "/tracker/scrape", http.StatusOK},
		{"HEAD", "/scrape", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		trk.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
		if rec.Code != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.target, rec.Code, tc.status)
		}
	}
}
