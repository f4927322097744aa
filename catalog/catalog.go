// Package catalog provides films to fill the library with. Each provider
// lives in its own file; builtin.go holds the films that ship with
// Hypertube.
package catalog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hypertube/hypertube"
)

// Import stores movies in svc. Films already there, by info hash, are
// updated rather than duplicated, so importing again is harmless. The
// caller's slice is left as it was.
func Import(ctx context.Context, svc hypertube.MovieService, movies []hypertube.Movie) error {
	for _, m := range movies {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.Genres = append([]string(nil), m.Genres...)
		if err := svc.CreateMovie(ctx, &m); err != nil {
			return fmt.Errorf("catalog: import %q: %w", m.Title, err)
		}
	}
	slog.Info("catalog: imported films", "count", len(movies))
	return nil
}
