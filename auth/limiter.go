package auth

import (
	"sync"
	"time"
)

// DefaultLimiterKeys is how many keys a Limiter tracks at most by default.
// Each costs about a hundred bytes, so the default stays around 10 MiB.
const DefaultLimiterKeys = 100_000

// Limiter is a token bucket per key (an IP address, an account name): each
// key may spend n events at once and gets them back at a steady n per period.
// Buckets that have refilled are forgotten, so memory follows the number of
// keys active within one period. It is safe for concurrent use.
type Limiter struct {
	n   float64
	per time.Duration

	// MaxKeys caps the buckets held at once. When that many keys are busy,
	// a new key is refused rather than evicting a busy one: evicting would
	// let a flood of fresh keys reset an attacker's own bucket.
	MaxKeys int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter allowing n events per period for each key.
func NewLimiter(n int, per time.Duration) *Limiter {
	if n < 1 {
		n = 1
	}
	if per <= 0 {
		per = time.Second
	}
	return &Limiter{n: float64(n), per: per, MaxKeys: DefaultLimiterKeys, buckets: map[string]*bucket{}}
}

// Allow reports whether key may act at now, and if so spends one event.
// Time is passed in so callers and tests control the clock.
func (l *Limiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A sweep walks every bucket, so even when full it runs only now and
	// then: a flood of new keys must not turn each call into a full scan.
	sinceSweep := now.Sub(l.lastSweep)
	if sinceSweep >= l.per || (len(l.buckets) >= l.MaxKeys && sinceSweep >= l.per/64) {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.MaxKeys {
			return false
		}
		b = &bucket{tokens: l.n, at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Len returns how many keys the limiter holds right now.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	// A clock that steps back must not mint tokens.
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(l.n, b.tokens+l.n*elapsed.Seconds()/l.per.Seconds())
		b.at = now
	}
}

// sweep drops buckets that are full again: forgetting them changes nothing,
// since a new bucket starts full.
func (l *Limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.n {
			delete(l.buckets, k)
		}
	}
}
