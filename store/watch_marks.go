package store

import (
	"context"
	"fmt"
	"math"

	"github.com/hypertube/hypertube"
)

// WatchedMovieIDsPast returns the set of films a user played past fraction
// (0 to 1) of their length, to mark them watched in lists of films. A film
// opened and left after a few seconds is not watched, nor one whose length
// the player never learnt (it failed to start).
func (s *WatchService) WatchedMovieIDsPast(ctx context.Context, userID int64, fraction float64) (map[int64]bool, error) {
	if math.IsNaN(fraction) || fraction < 0 || fraction > 1 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "A share of a film is between 0 and 1.")
	}
	rows, err := s.db.db.QueryContext(ctx, `
		SELECT movie_id FROM watches
		WHERE user_id = $1 AND duration_seconds > 0 AND position_seconds > 0
			AND position_seconds >= $2 * duration_seconds`,
		userID, fraction)
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
