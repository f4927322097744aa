// Package tracker is a BitTorrent tracker: it remembers, per info hash, which
// peers announced themselves lately and tells each announcing peer about the
// others. It speaks HTTP (BEP 3, 7, 23, 48) and UDP (BEP 15) and keeps
// everything in memory: a restart forgets the swarms, and peers come back at
// their next announce.
//
// The anacrolix/torrent tracker server packages were evaluated and not used:
// they answer malformed requests with HTTP errors instead of a bencoded
// "failure reason", always answer compact, do not scrape over UDP and have no
// peer expiry.
package tracker

import (
	"crypto/rand"
	"log/slog"
	mrand "math/rand/v2"
	"net/netip"
	"sync"
	"time"
)

// Config tunes a Tracker. The zero value is usable.
type Config struct {
	// Interval is how often peers are asked to announce; 2 minutes when zero.
	// It is sent in whole seconds, so anything below a second becomes one.
	Interval time.Duration
	// PeerTTL is how long a peer that stopped announcing is still handed out;
	// twice Interval when zero.
	PeerTTL time.Duration
	// Now is the clock; time.Now when nil. Tests pass a fake one.
	Now func() time.Time
	// Logger receives debug lines for announces and rejected requests;
	// slog.Default() when nil.
	Logger *slog.Logger
}

const (
	defaultInterval = 2 * time.Minute
	// Clients may not re-announce sooner than this, so a misbehaving client
	// cannot make us do work in a loop; capped by Interval.
	maxMinInterval = 30 * time.Second

	defaultNumWant = 50
	maxNumWant     = 200
)

// Tracker is an in-memory BitTorrent tracker. It is safe for concurrent use.
type Tracker struct {
	interval    time.Duration
	minInterval time.Duration
	ttl         time.Duration
	now         func() time.Time
	log         *slog.Logger
	connKey     [32]byte // signs UDP connection IDs

	mu        sync.Mutex
	swarms    map[[20]byte]*swarm
	lastSweep time.Time
}

type swarm struct {
	peers      map[netip.AddrPort]*peer
	downloaded int // event=completed seen, once per peer
}

// peer is keyed by address rather than by peer ID: the address comes from the
// connection, so one client cannot remove or move another by reusing its ID.
type peer struct {
	id        [20]byte
	addr      netip.AddrPort
	left      int64 // -1 when the client did not say
	lastSeen  time.Time
	completed bool
}

func (p *peer) seeder() bool { return p.left == 0 }

// New returns a Tracker with cfg's defaults filled in.
func New(cfg Config) *Tracker {
	t := &Tracker{
		interval: cfg.Interval,
		ttl:      cfg.PeerTTL,
		now:      cfg.Now,
		log:      cfg.Logger,
		swarms:   make(map[[20]byte]*swarm),
	}
	if t.interval <= 0 {
		t.interval = defaultInterval
	}
	t.interval = max(t.interval.Round(time.Second), time.Second)
	t.minInterval = min(t.interval, maxMinInterval)
	if t.ttl <= 0 {
		t.ttl = 2 * t.interval
	}
	if t.now == nil {
		t.now = time.Now
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	rand.Read(t.connKey[:]) // never fails (crypto/rand panics rather than return short)
	return t
}

// Stats reports a torrent's live seeders and leechers and how many peers
// told us they completed it. An unknown torrent has all zeros.
func (t *Tracker) Stats(infoHash [20]byte) (complete, incomplete, downloaded int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.swarms[infoHash]
	if s == nil {
		return 0, 0, 0
	}
	s.expire(t.now().Add(-t.ttl))
	complete, incomplete = s.counts()
	return complete, incomplete, s.downloaded
}

type event int

const (
	eventNone event = iota
	eventCompleted
	eventStarted
	eventStopped
)

// announce is one parsed announce, whichever protocol it came in.
type announce struct {
	infoHash [20]byte
	peerID   [20]byte
	addr     netip.AddrPort
	left     int64
	event    event
	numWant  int
}

type announceResult struct {
	complete, incomplete int
	peers                []peer
}

// announce records a and picks up to a.numWant other peers at random.
func (t *Tracker) announce(a announce) announceResult {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)

	s := t.swarms[a.infoHash]
	if s == nil {
		s = &swarm{peers: make(map[netip.AddrPort]*peer)}
		t.swarms[a.infoHash] = s
	}
	s.expire(now.Add(-t.ttl))

	var res announceResult
	if a.event == eventStopped {
		delete(s.peers, a.addr)
		if len(s.peers) == 0 && s.downloaded == 0 {
			delete(t.swarms, a.infoHash)
		}
		res.complete, res.incomplete = s.counts()
		return res
	}

	p := s.peers[a.addr]
	if p == nil {
		p = &peer{addr: a.addr}
		s.peers[a.addr] = p
	}
	p.id, p.left, p.lastSeen = a.peerID, a.left, now
	if a.event == eventCompleted && !p.completed {
		p.completed = true
		s.downloaded++
	}
	res.complete, res.incomplete = s.counts()
	res.peers = s.pick(p, a.numWant)
	return res
}

// scrape returns the stats of the given torrents, or of every torrent when
// none is given (BEP 48 "full scrape").
func (t *Tracker) scrape(hashes [][20]byte) map[[20]byte]scrapeStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	cutoff := t.now().Add(-t.ttl)
	if len(hashes) == 0 {
		for h, s := range t.swarms {
			s.expire(cutoff)
			if len(s.peers) == 0 && s.downloaded == 0 {
				delete(t.swarms, h)
				continue
			}
			hashes = append(hashes, h)
		}
	}
	out := make(map[[20]byte]scrapeStats, len(hashes))
	for _, h := range hashes {
		var st scrapeStats
		if s := t.swarms[h]; s != nil {
			s.expire(cutoff)
			st.complete, st.incomplete = s.counts()
			st.downloaded = s.downloaded
		}
		out[h] = st
	}
	return out
}

type scrapeStats struct{ complete, incomplete, downloaded int }

// sweep drops expired peers of every swarm now and then, so that torrents
// nobody asks about again do not keep their peers forever.
func (t *Tracker) sweep(now time.Time) {
	if now.Sub(t.lastSweep) < t.ttl {
		return
	}
	t.lastSweep = now
	cutoff := now.Add(-t.ttl)
	for h, s := range t.swarms {
		s.expire(cutoff)
		if len(s.peers) == 0 && s.downloaded == 0 {
			delete(t.swarms, h)
		}
	}
}

func (s *swarm) expire(cutoff time.Time) {
	for k, p := range s.peers {
		if p.lastSeen.Before(cutoff) {
			delete(s.peers, k)
		}
	}
}

func (s *swarm) counts() (complete, incomplete int) {
	for _, p := range s.peers {
		if p.seeder() {
			complete++
		} else {
			incomplete++
		}
	}
	return complete, incomplete
}

// pick returns up to n peers other than self, chosen at random so that every
// peer gets known by others. Seeders get no seeders: they have nothing to
// trade with each other.
func (s *swarm) pick(self *peer, n int) []peer {
	if n <= 0 {
		return nil
	}
	candidates := make([]*peer, 0, len(s.peers))
	for _, p := range s.peers {
		if p == self || p.id == self.id || (self.seeder() && p.seeder()) {
			continue
		}
		candidates = append(candidates, p)
	}
	n = min(n, len(candidates))
	out := make([]peer, n)
	for i := range n { // partial Fisher–Yates
		j := i + mrand.IntN(len(candidates)-i)
		candidates[i], candidates[j] = candidates[j], candidates[i]
		out[i] = *candidates[i]
	}
	return out
}

// clampNumWant applies the default to "unspecified" (negative) and the cap.
func clampNumWant(n int64) int {
	if n < 0 {
		return defaultNumWant
	}
	return int(min(n, maxNumWant))
}
