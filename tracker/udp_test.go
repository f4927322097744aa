package tracker_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/tracker"
)

const (
	protocolID     = 0x41727101980
	actionConnect  = 0
	actionAnnounce = 1
	actionScrape   = 2
	actionError    = 3
)

// udpClient talks BEP 15 to a tracker served on a real 127.0.0.1 socket.
type udpClient struct {
	t    *testing.T
	conn *net.UDPConn
	tx   uint32
}

// serveUDP runs trk.ServeUDP on 127.0.0.1 until the test ends and returns a
// client connected to it.
func serveUDP(t *testing.T, trk *tracker.Tracker) *udpClient {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- trk.ServeUDP(ctx, pc) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeUDP returned %v after its context ended, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("ServeUDP did not return after its context ended")
		}
		pc.Close()
	})
	return dialUDP(t, pc.LocalAddr().String())
}

func dialUDP(t *testing.T, addr string) *udpClient {
	t.Helper()
	conn, err := net.Dial("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &udpClient{t: t, conn: conn.(*net.UDPConn)}
}

func (c *udpClient) send(pkt []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(pkt); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next datagram; tests never wait for silence, they check
// that the next answer is the one to a later, valid request.
func (c *udpClient) recv() []byte {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.conn.Read(buf)
	if err != nil {
		c.t.Fatalf("no answer from the tracker: %v", err)
	}
	return buf[:n]
}

// header builds connection id, action and a fresh transaction id.
func (c *udpClient) header(connID uint64, action uint32) ([]byte, uint32) {
	c.tx++
	b := binary.BigEndian.AppendUint64(nil, connID)
	b = binary.BigEndian.AppendUint32(b, action)
	return binary.BigEndian.AppendUint32(b, c.tx), c.tx
}

// expect checks an answer's action and transaction id and returns its body.
func (c *udpClient) expect(resp []byte, action, tx uint32) []byte {
	c.t.Helper()
	if len(resp) < 8 {
		c.t.Fatalf("answer %x is shorter than 8 bytes", resp)
	}
	gotAction, gotTx := binary.BigEndian.Uint32(resp), binary.BigEndian.Uint32(resp[4:])
	if gotTx != tx {
		c.t.Fatalf("answer has transaction %d, want %d", gotTx, tx)
	}
	if gotAction != action {
		c.t.Fatalf("answer action %d (%q), want %d", gotAction, resp[8:], action)
	}
	return resp[8:]
}

func (c *udpClient) connect() uint64 {
	c.t.Helper()
	pkt, tx := c.header(protocolID, actionConnect)
	c.send(pkt)
	body := c.expect(c.recv(), actionConnect, tx)
	if len(body) != 8 {
		c.t.Fatalf("connect answer body is %d bytes, want 8", len(body))
	}
	return binary.BigEndian.Uint64(body)
}

type udpAnnounce struct {
	hash    [20]byte
	peer    int
	left    int64
	event   uint32
	ip      [4]byte
	numWant int32
	port    uint16
}

func (c *udpClient) announcePacket(connID uint64, a udpAnnounce) ([]byte, uint32) {
	pkt, tx := c.header(connID, actionAnnounce)
	id := peerID(a.peer)
	pkt = append(pkt, a.hash[:]...)
	pkt = append(pkt, id[:]...)
	pkt = binary.BigEndian.AppendUint64(pkt, 0) // downloaded
	pkt = binary.BigEndian.AppendUint64(pkt, uint64(a.left))
	pkt = binary.BigEndian.AppendUint64(pkt, 0) // uploaded
	pkt = binary.BigEndian.AppendUint32(pkt, a.event)
	pkt = append(pkt, a.ip[:]...)
	pkt = binary.BigEndian.AppendUint32(pkt, 0) // key
	pkt = binary.BigEndian.AppendUint32(pkt, uint32(a.numWant))
	return binary.BigEndian.AppendUint16(pkt, a.port), tx
}

type udpAnnounceAnswer struct {
	interval, leechers, seeders int
	peers                       []netip.AddrPort
}

func (c *udpClient) announce(connID uint64, a udpAnnounce) udpAnnounceAnswer {
	c.t.Helper()
	pkt, tx := c.announcePacket(connID, a)
	c.send(pkt)
	body := c.expect(c.recv(), actionAnnounce, tx)
	if len(body) < 12 || (len(body)-12)%6 != 0 {
		c.t.Fatalf("announce answer body %x: want 12 bytes and 6 per peer", body)
	}
	ans := udpAnnounceAnswer{
		interval: int(binary.BigEndian.Uint32(body)),
		leechers: int(binary.BigEndian.Uint32(body[4:])),
		seeders:  int(binary.BigEndian.Uint32(body[8:])),
	}
	for i := 12; i < len(body); i += 6 {
		ans.peers = append(ans.peers, netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[i:i+4])), binary.BigEndian.Uint16(body[i+4:])))
	}
	return ans
}

// udpError sends pkt and checks that the answer is an error for tx that
// contains msg.
func (c *udpClient) udpError(pkt []byte, tx uint32, msg string) {
	c.t.Helper()
	c.send(pkt)
	body := c.expect(c.recv(), actionError, tx)
	if !strings.Contains(string(body), msg) {
		c.t.Errorf("error message %q, want it to contain %q", body, msg)
	}
}

func TestUDPAnnounceAndScrape(t *testing.T) {
	trk := tracker.New(tracker.Config{Interval: 90 * time.Second, Logger: quietLogger()})
	c := serveUDP(t, trk)
	h, unknown := infoHash(1), infoHash(2)
	id := c.connect()

	ans := c.announce(id, udpAnnounce{hash: h, peer: 1, left: 100, event: 2, numWant: -1, port: 7001})
	if ans.interval != 90 || ans.leechers != 1 || ans.seeders != 0 || len(ans.peers) != 0 {
		t.Errorf("first announce: %+v, want interval 90, 1 leecher, no peers", ans)
	}
	ans = c.announce(id, udpAnnounce{hash: h, peer: 2, left: 0, event: 1, numWant: -1, port: 7002})
	if ans.leechers != 1 || ans.seeders != 1 {
		t.Errorf("second announce: %+v, want 1 leecher and 1 seeder", ans)
	}
	sameAddrs(t, ans.peers, addrs("127.0.0.1:7001"))

	// From this machine the IP field is honoured, as the HTTP "ip" parameter.
	c.announce(id, udpAnnounce{hash: h, peer: 3, left: 5, ip: [4]byte{10, 0, 0, 3}, numWant: 0, port: 7003})
	ans = c.announce(id, udpAnnounce{hash: h, peer: 1, left: 100, numWant: 10, port: 7001})
	sameAddrs(t, ans.peers, addrs("127.0.0.1:7002", "10.0.0.3:7003"))

	pkt, tx := c.header(id, actionScrape)
	pkt = append(append(pkt, unknown[:]...), h[:]...)
	c.send(pkt)
	body := c.expect(c.recv(), actionScrape, tx)
	if len(body) != 24 {
		t.Fatalf("scrape answer body is %d bytes, want 24", len(body))
	}
	var got [6]uint32
	for i := range got {
		got[i] = binary.BigEndian.Uint32(body[4*i:])
	}
	// Request order: unknown (all zeros), then h: seeders, completed, leechers.
	if want := [6]uint32{0, 0, 0, 1, 1, 2}; got != want {
		t.Errorf("scrape = %v, want %v", got, want)
	}

	c.announce(id, udpAnnounce{hash: h, peer: 2, left: 0, event: 3, port: 7002})
	if s, l, d := trk.Stats(h); s != 0 || l != 2 || d != 1 {
		t.Errorf("after stopped: Stats = %d, %d, %d; want 0, 2, 1", s, l, d)
	}
}

func TestUDPWrongConnectionID(t *testing.T) {
	c := serveUDP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	id := c.connect()
	a := udpAnnounce{hash: infoHash(1), peer: 1, left: 1, numWant: -1, port: 7001}

	pkt, tx := c.announcePacket(id^1, a)
	c.udpError(pkt, tx, "connection ID expired")

	// Another tracker's IDs are signed with another key.
	other := serveUDP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	pkt, tx = c.announcePacket(other.connect(), a)
	c.udpError(pkt, tx, "connection ID expired")

	// A client's ID does not work from another address.
	stranger := dialUDP(t, c.conn.RemoteAddr().String())
	pkt, tx = stranger.announcePacket(id, a)
	stranger.udpError(pkt, tx, "connection ID expired")

	pkt, tx = c.header(id^1, actionScrape)
	c.udpError(append(pkt, make([]byte, 20)...), tx, "connection ID expired")

	c.announce(id, a) // the right one still works
}

func TestUDPConnectionIDExpires(t *testing.T) {
	clk := newClock()
	c := serveUDP(t, tracker.New(tracker.Config{Now: clk.Now, Logger: quietLogger()}))
	a := udpAnnounce{hash: infoHash(1), peer: 1, left: 1, numWant: -1, port: 7001}
	id := c.connect()

	clk.Advance(59 * time.Second) // BEP 15: a client may use an ID for a minute
	c.announce(id, a)

	clk.Advance(2 * time.Minute)
	pkt, tx := c.announcePacket(id, a)
	c.udpError(pkt, tx, "connection ID expired")

	c.announce(c.connect(), a)
}

func TestUDPMalformedPackets(t *testing.T) {
	c := serveUDP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	id := c.connect()
	full, _ := c.announcePacket(id, udpAnnounce{hash: infoHash(1), peer: 1, left: 1, numWant: -1, port: 7001})

	// Packets that get no answer at all: the next answer must be the one to
	// the connect sent after them.
	for _, pkt := range [][]byte{
		nil,
		{0},
		full[:15],
		func() []byte { p, _ := c.header(12345, actionConnect); return p }(), // not the protocol magic
		func() []byte { p, _ := c.header(id^1, actionAnnounce); return p }(), // bad ID: answer would outgrow request
	} {
		c.send(pkt)
		c.connect()
	}

	withTx := func(pkt []byte) ([]byte, uint32) {
		c.tx++
		pkt = append([]byte(nil), pkt...)
		binary.BigEndian.PutUint32(pkt[12:], c.tx)
		return pkt, c.tx
	}
	edit := func(at int, b ...byte) []byte {
		p := append([]byte(nil), full...)
		copy(p[at:], b)
		return p
	}
	for _, tc := range []struct {
		name string
		pkt  []byte
		msg  string
	}{
		{"header only announce", full[:16], "announce request too short"},
		{"truncated announce", full[:97], "announce request too short"},
		{"unknown event", edit(80, 0, 0, 0, 9), "unknown event"},
		{"port zero", edit(96, 0, 0), "port must be from 1 to 65535"},
		{"unknown action", edit(8, 0, 0, 0, 7), "unknown action"},
		{"error action from a client", edit(8, 0, 0, 0, actionError), "unknown action"},
		{"scrape without hashes", edit(8, 0, 0, 0, actionScrape)[:16], "one or more 20-byte info hashes"},
		{"scrape with a partial hash", edit(8, 0, 0, 0, actionScrape)[:16+25], "one or more 20-byte info hashes"},
		{"scrape of too many", append(edit(8, 0, 0, 0, actionScrape)[:16], make([]byte, 75*20)...), "too many info hashes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt, tx := withTx(tc.pkt)
			c.udpError(pkt, tx, tc.msg)
		})
	}

	// Longer announces carry BEP 41 options, which are ignored.
	pkt, tx := withTx(append(append([]byte(nil), full...), 2, 3, 'a', 'b', 'c', 0))
	c.send(pkt)
	c.expect(c.recv(), actionAnnounce, tx)
}

// Random junk, truncated at every length, must never stop the server.
func TestUDPRandomPacketsDoNotStopTheServer(t *testing.T) {
	c := serveUDP(t, tracker.New(tracker.Config{Logger: quietLogger()}))
	id := c.connect()
	full, _ := c.announcePacket(id, udpAnnounce{hash: infoHash(1), peer: 1, left: 1, numWant: -1, port: 7001})
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 120 {
		pkt := make([]byte, n)
		for i := range pkt {
			pkt[i] = byte(rng.IntN(256))
		}
		c.send(pkt)
		if n <= len(full) {
			c.send(full[:n])
		}
	}
	// Answers to the junk may be queued; read until the connect's answer.
	pkt, tx := c.header(protocolID, actionConnect)
	c.send(pkt)
	for range 500 {
		resp := c.recv()
		if len(resp) == 16 && binary.BigEndian.Uint32(resp[4:]) == tx && binary.BigEndian.Uint32(resp) == actionConnect {
			return
		}
	}
	t.Fatal("the tracker never answered the final connect")
}
