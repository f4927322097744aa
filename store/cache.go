package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hypertube/hypertube"
)

// CacheService keeps the answers of catalog providers until they expire,
// so that a page does not ask TMDB, OMDb, … the same question again, and
// the answers survive a restart.
type CacheService struct {
	db *DB
}

// NewCacheService returns a CacheService backed by db.
func NewCacheService(db *DB) *CacheService { return &CacheService{db: db} }

const (
	maxCacheKeyLen   = 2048     // bytes; a key is often a request URL
	maxCacheValueLen = 16 << 20 // bytes
)

// Get returns the value stored under key, and whether there is one that
// has not expired at now.
func (s *CacheService) Get(ctx context.Context, key string, now time.Time) ([]byte, bool, error) {
	if err := validateCacheKey(key); err != nil {
		return nil, false, err
	}
	var value []byte
	err := s.db.db.QueryRowContext(ctx,
		`SELECT value FROM provider_cache WHERE key = $1 AND expires_at > $2`, key, now.Unix()).Scan(&value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("store: cache get: %w", err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, true, nil
}

// Put stores value under key until expires, replacing what was there.
func (s *CacheService) Put(ctx context.Context, key string, value []byte, expires time.Time) error {
	if err := validateCacheKey(key); err != nil {
		return err
	}
	if len(value) > maxCacheValueLen {
		return hypertube.Errorf(hypertube.EINVALID, "A cached value is %d MiB at most.", maxCacheValueLen>>20)
	}
	if value == nil {
		value = []byte{} // the column is NOT NULL
	}
	_, err := s.db.db.ExecContext(ctx, `
		INSERT INTO provider_cache (key, value, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
		key, value, expires.Unix())
	if err != nil {
		return fmt.Errorf("store: cache put: %w", err)
	}
	return nil
}

// Purge removes the values expired at now and returns how many there were.
func (s *CacheService) Purge(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.db.ExecContext(ctx, `DELETE FROM provider_cache WHERE expires_at <= $1`, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("store: cache purge: %w", err)
	}
	return res.RowsAffected()
}

func validateCacheKey(key string) error {
	if key == "" || len(key) > maxCacheKeyLen || !isPrintable(key) {
		return hypertube.Errorf(hypertube.EINVALID, "A cache key is 1 to %d bytes of printable text.", maxCacheKeyLen)
	}
	return nil
}
