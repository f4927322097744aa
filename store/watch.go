package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hypertube/hypertube"
)

// Watch is how far a user got into a film, with what a list of films
// watched needs to show of it.
type Watch struct {
	MovieID   int64
	Title     string
	Year      int
	Position  float64 // seconds
	Duration  float64 // seconds; 0 when not known
	WatchedAt time.Time
}

// WatchService stores which films each user watched and where they stopped.
type WatchService struct {
	db *DB
}

// NewWatchService returns a WatchService backed by db.
func NewWatchService(db *DB) *WatchService { return &WatchService{db: db} }

const (
	defaultWatchLimit = 20
	maxWatchLimit     = 100
)

// RecordWatch saves that userID watched movieID up to position seconds of
// duration at the given time (zero means now), replacing what was saved
// for that film. An unknown user or film is ENOTFOUND.
func (s *WatchService) RecordWatch(ctx context.Context, userID, movieID int64, position, duration float64, at time.Time) error {
	for _, v := range []float64{position, duration} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return hypertube.Errorf(hypertube.EINVALID, "A position or length in a film is a number of seconds, zero or more.")
		}
	}
	if at.IsZero() {
		at = time.Now()
	}
	_, err := s.db.db.ExecContext(ctx, `
		INSERT INTO watches (user_id, movie_id, position_seconds, duration_seconds, watched_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, movie_id) DO UPDATE SET
			position_seconds = CASE WHEN excluded.duration_seconds > 0
				THEN excluded.position_seconds ELSE watches.position_seconds END,
			duration_seconds = CASE WHEN excluded.duration_seconds > 0
				THEN excluded.duration_seconds ELSE watches.duration_seconds END,
			watched_at = excluded.watched_at`,
		userID, movieID, position, duration, at.Unix())
	switch {
	case s.db.dialect.isForeignKeyViolation(err):
		return hypertube.Errorf(hypertube.ENOTFOUND, "There is no account number %d or no film number %d.", userID, movieID)
	case err != nil:
		return fmt.Errorf("store: record watch: %w", err)
	}
	return nil
}

// ListWatched returns the films a user watched, the latest first, at most
// limit of them (0 means 20, and never more than 100).
func (s *WatchService) ListWatched(ctx context.Context, userID int64, limit int) ([]Watch, error) {
	switch {
	case limit < 0:
		return nil, hypertube.Errorf(hypertube.EINVALID, "A list size cannot be negative.")
	case limit == 0:
		limit = defaultWatchLimit
	case limit > maxWatchLimit:
		limit = maxWatchLimit
	}
	rows, err := s.db.db.QueryContext(ctx, `
		SELECT w.movie_id, m.title, m.year, w.position_seconds, w.duration_seconds, w.watched_at
		FROM watches w JOIN movies m ON m.id = w.movie_id
		WHERE w.user_id = $1
		ORDER BY w.watched_at DESC, w.movie_id DESC
		LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list watched: %w", err)
	}
	defer rows.Close()
	watches := []Watch{}
	for rows.Next() {
		var (
			w  Watch
			at int64
		)
		if err := rows.Scan(&w.MovieID, &w.Title, &w.Year, &w.Position, &w.Duration, &at); err != nil {
			return nil, fmt.Errorf("store: list watched: %w", err)
		}
		w.WatchedAt = fromUnix(at)
		watches = append(watches, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list watched: %w", err)
	}
	return watches, nil
}

// WatchedMovieIDs returns the set of films a user has watched, to mark them
// in lists of films.
func (s *WatchService) WatchedMovieIDs(ctx context.Context, userID int64) (map[int64]bool, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT movie_id FROM watches WHERE user_id = $1`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: watched movie ids: %w", err)
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: watched movie ids: %w", err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: watched movie ids: %w", err)
	}
	return ids, nil
}

// FindWatch returns what a user watched of one film; ENOTFOUND when they
// never played it.
func (s *WatchService) FindWatch(ctx context.Context, userID, movieID int64) (Watch, error) {
	var (
		w  Watch
		at int64
	)
	err := s.db.db.QueryRowContext(ctx, `
		SELECT w.movie_id, m.title, m.year, w.position_seconds, w.duration_seconds, w.watched_at
		FROM watches w JOIN movies m ON m.id = w.movie_id
		WHERE w.user_id = $1 AND w.movie_id = $2`, userID, movieID).
		Scan(&w.MovieID, &w.Title, &w.Year, &w.Position, &w.Duration, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Watch{}, hypertube.Errorf(hypertube.ENOTFOUND, "This film was never played on this account.")
	case err != nil:
		return Watch{}, fmt.Errorf("store: find watch: %w", err)
	}
	w.WatchedAt = fromUnix(at)
	return w, nil
}
