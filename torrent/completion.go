package torrent

import (
	"sync"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// lateCompletion wraps the piece-completion db so that a piece anacrolix
// finishes marking after Client.Close (it does so unlocked, racing the close)
// is left unknown instead of logging "database not open": unknown pieces are
// re-hashed on the next start, never re-downloaded.
type lateCompletion struct {
	mu     sync.RWMutex
	closed bool
	pc     storage.PieceCompletion
}

func (c *lateCompletion) Get(k metainfo.PieceKey) (storage.Completion, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return storage.Completion{}, nil
	}
	return c.pc.Get(k)
}

func (c *lateCompletion) Set(k metainfo.PieceKey, complete bool) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil
	}
	return c.pc.Set(k, complete)
}

func (c *lateCompletion) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	return c.pc.Close()
}
