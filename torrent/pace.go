package torrent

import (
	"math"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

// Requests in flight follow each connection's download rate.
//
// A peer serves the requests it holds in whatever order it likes (anacrolix
// peers at random), so a request made now waits behind all of them.
// anacrolix keeps up to ~960 requests (15 MiB) with every peer: at the rates
// that stream a film that is 5–15 s of the peer's upload, which a seek, or a
// reader reaching a missing piece, waited out before its piece came. So, as
// libtorrent sizes its queue by request_queue_time, a connection holds its
// measured rate times twice its round trip plus queueTime: a standing queue
// of queueTime with the peer, and enough to keep the pipe full although
// anacrolix refills a connection's requests only once all are answered.
// Never fewer than minQueue requests, so that a new or quiet connection can
// still speed up, and never more than the peer allows. The round trip is
// the shortest time a request took to be answered lately.

const (
	// queueTime is how long a new request waits behind the others at the
	// peer, beyond the round trip: what a seek pays before its first block.
	queueTime = 150 * time.Millisecond
	// minQueue is the fewest requests a connection may hold: 64 KiB. Few,
	// since a peer serving requests in random order delivers a film's
	// bytes in order only as far as its queue is short.
	minQueue = 4
	// rttWindow is how long the shortest answer counts as the round trip.
	rttWindow = 2 * time.Second
	// rateSample is how long bytes are counted before the rate is updated.
	rateSample = 250 * time.Millisecond
	// blockSize is the size of a request (anacrolix's chunk size).
	blockSize = 16 << 10
	// defaultReqq is what anacrolix assumes of a peer that advertises no
	// limit of its own.
	defaultReqq = 250
)

// pacer sizes each connection's request queue; its methods are anacrolix
// callbacks.
type pacer struct {
	mu    sync.Mutex
	conns map[*torrent.PeerConn]*connPace
	top   int // the largest queue any connection was given, for tests
}

type connPace struct {
	allowed int       // the most requests the peer accepts
	since   time.Time // start of the current sample
	bytes   int64     // received in the current sample
	rate    float64   // bytes/s, smoothed; 0 until measured
	limit   int       // the queue last set

	sent     map[blockKey]time.Time // outstanding requests, when made
	rtt      time.Duration          // shortest answer of the last window
	rttNow   time.Duration          // shortest answer of this window; 0: none yet
	rttSince time.Time              // start of this window
}

// blockKey names a request by piece and offset.
type blockKey struct{ index, begin uint32 }

func newPacer() *pacer {
	return &pacer{conns: make(map[*torrent.PeerConn]*connPace)}
}

// install hooks the pacer into cc's callbacks.
func (p *pacer) install(cc *torrent.ClientConfig) {
	cc.Callbacks.PeerConnAdded = append(cc.Callbacks.PeerConnAdded, p.added)
	cc.Callbacks.ReadExtendedHandshake = p.handshake
	cc.Callbacks.PeerConnClosed = p.closed
	cc.Callbacks.SentRequest = append(cc.Callbacks.SentRequest, p.sent)
	cc.Callbacks.ReceivedRequested = append(cc.Callbacks.ReceivedRequested, p.answered)
	cc.Callbacks.DeletedRequest = append(cc.Callbacks.DeletedRequest, p.deleted)
}

// queueFor is the number of requests a connection downloading at rate
// (bytes/s) with round trip rtt holds, when the peer accepts at most
// allowed.
func queueFor(rate float64, rtt time.Duration, allowed int) int {
	n := max(int(math.Ceil(rate*(2*rtt+queueTime).Seconds()/blockSize)), minQueue)
	return max(min(n, allowed), 1)
}

// added runs with the client locked, before the peer's extended handshake.
func (p *pacer) added(pc *torrent.PeerConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	c := &connPace{allowed: defaultReqq, since: now, rttSince: now, sent: make(map[blockKey]time.Time)}
	p.set(pc, c, queueFor(0, 0, c.allowed))
	p.conns[pc] = c
}

// handshake runs before anacrolix applies the peer's reqq, so the queue
// the peer allows is noted and what anacrolix applies is ours.
func (p *pacer) handshake(pc *torrent.PeerConn, m *pp.ExtendedHandshakeMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.conns[pc]
	if c == nil || m.Reqq <= 0 {
		return
	}
	c.allowed = m.Reqq
	p.set(pc, c, queueFor(c.rate, c.rtt, c.allowed))
	m.Reqq = c.limit
}

// measure counts n bytes received at now into the rate, and reports
// whether the rate was updated.
func (c *connPace) measure(now time.Time, n int) bool {
	c.bytes += int64(n)
	elapsed := now.Sub(c.since)
	switch {
	case elapsed > 4*rateSample:
		// The connection sat idle (nothing wanted of it): the sample
		// says nothing about its speed. Start a new one.
		c.since, c.bytes = now, 0
		return false
	case elapsed < rateSample:
		return false
	}
	sample := float64(c.bytes) / elapsed.Seconds()
	if c.rate == 0 || sample > c.rate {
		c.rate = sample // speed up at once
	} else {
		c.rate = (c.rate + sample) / 2
	}
	c.since, c.bytes = now, 0
	return true
}

// timed notes a request answered after took.
func (c *connPace) timed(now time.Time, took time.Duration) {
	if c.rttNow == 0 || took < c.rttNow {
		c.rttNow = took
	}
	if c.rtt == 0 || c.rttNow < c.rtt {
		c.rtt = c.rttNow
	}
	if now.Sub(c.rttSince) >= rttWindow {
		c.rtt, c.rttNow, c.rttSince = c.rttNow, 0, now
	}
}

// set gives pc a queue of n requests; p.mu is held.
func (p *pacer) set(pc *torrent.PeerConn, c *connPace, n int) {
	c.limit = n
	p.top = max(p.top, n)
	pc.PeerMaxRequests = n
}

// conn returns what the pacer knows of peer's connection, nil if nothing;
// p.mu is held.
func (p *pacer) conn(peer *torrent.Peer) (*torrent.PeerConn, *connPace) {
	pc, ok := peer.TryAsPeerConn()
	if !ok {
		return nil, nil
	}
	return pc, p.conns[pc]
}

// sent notes when a request was made.
func (p *pacer) sent(ev torrent.PeerRequestEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, c := p.conn(ev.Peer); c != nil {
		c.sent[blockKey{uint32(ev.Index), uint32(ev.Begin)}] = time.Now()
	}
}

// answered runs with the client locked when a block arrives for an
// outstanding request, before anacrolix deletes the request: it times the
// round trip and counts the bytes.
func (p *pacer) answered(ev torrent.PeerMessageEvent) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	pc, c := p.conn(ev.Peer)
	if c == nil {
		return
	}
	if at, ok := c.sent[blockKey{uint32(ev.Message.Index), uint32(ev.Message.Begin)}]; ok {
		c.timed(now, now.Sub(at))
	}
	if c.measure(now, len(ev.Message.Piece)) {
		p.set(pc, c, queueFor(c.rate, c.rtt, c.allowed))
	}
}

// deleted forgets a request answered, cancelled or rejected.
func (p *pacer) deleted(ev torrent.PeerRequestEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, c := p.conn(ev.Peer); c != nil {
		delete(c.sent, blockKey{uint32(ev.Index), uint32(ev.Begin)})
	}
}

func (p *pacer) closed(pc *torrent.PeerConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, pc)
}

// queues returns the queue of each open connection, and the largest any
// connection was given.
func (p *pacer) queues() (open []int, top int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		open = append(open, c.limit)
	}
	return open, p.top
}
