// Package janitor deletes the films nobody watches any more, so that the
// disk holds what viewers want: films unwatched for a month go, and an
// optional disk budget evicts the least recently watched first. A film
// being watched is never deleted.
package janitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hypertube/hypertube"
)

// DefaultMaxAge is how long a film stays on disk after it was last
// watched.
const DefaultMaxAge = 30 * 24 * time.Hour

// Film is a film with files on disk.
type Film struct {
	ID       int64
	InfoHash string
	// LastWatched is when someone last watched it; zero when nobody ever
	// did, and then AddedAt counts instead.
	LastWatched time.Time
	AddedAt     time.Time
	// Size is what deleting it frees, in bytes: the download, its
	// conversions and its subtitles.
	Size int64
}

// lastUse is the time a film's age counts from.
func (f Film) lastUse() time.Time {
	if f.LastWatched.IsZero() {
		return f.AddedAt
	}
	return f.LastWatched
}

// Films lists the films that have files on disk.
type Films interface {
	FilmsOnDisk(ctx context.Context) ([]Film, error)
}

// Dropper forgets a torrent, so that it stops seeding files about to go;
// hypertube.Engine is one.
type Dropper interface {
	Drop(infoHash string) error
}

// Remover deletes a film's files: its download, conversions and subtitles.
type Remover interface {
	RemoveFilm(ctx context.Context, f Film) error
}

// Janitor deletes old films. Films, Engine and Files are required.
type Janitor struct {
	Films  Films
	Engine Dropper
	Files  Remover
	// InUse reports whether a film is being watched (open readers, live
	// conversions); such a film is never deleted. Nil means none is.
	InUse  func(movieID int64) bool
	MaxAge time.Duration // 0 means DefaultMaxAge
	// Budget caps the bytes films may take; past it the least recently
	// watched go first, however young. 0 means no budget.
	Budget int64
	Logger *slog.Logger     // nil means slog.Default()
	Now    func() time.Time // for Run; nil means time.Now
}

// Sweep deletes, as of now, the films unwatched for longer than MaxAge,
// then the least recently watched ones while the rest exceed Budget. It
// returns the ids deleted; a film that fails to go does not stop the
// others.
func (j *Janitor) Sweep(ctx context.Context, now time.Time) ([]int64, error) {
	films, err := j.Films.FilmsOnDisk(ctx)
	if err != nil {
		return nil, fmt.Errorf("janitor: list films: %w", err)
	}
	maxAge := j.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	// Oldest first, which is also the budget's eviction order.
	slices.SortStableFunc(films, func(a, b Film) int { return a.lastUse().Compare(b.lastUse()) })

	var total int64
	for _, f := range films {
		total += f.Size
	}
	var deleted []int64
	var errs []error
	for _, f := range films {
		if ctx.Err() != nil {
			return deleted, errors.Join(append(errs, ctx.Err())...)
		}
		old := now.Sub(f.lastUse()) > maxAge
		over := j.Budget > 0 && total > j.Budget
		if !old && !over {
			continue
		}
		if j.InUse != nil && j.InUse(f.ID) {
			j.logger().Info("janitor: keeping a film being watched", "movie", f.ID, "lastUse", f.lastUse())
			continue
		}
		if err := j.remove(ctx, f); err != nil {
			errs = append(errs, err)
			continue
		}
		total -= f.Size
		deleted = append(deleted, f.ID)
		reason := "unwatched"
		if !old {
			reason = "over the disk budget"
		}
		j.logger().Info("janitor: film deleted", "movie", f.ID, "reason", reason, "lastUse", f.lastUse(), "bytes", f.Size)
	}
	return deleted, errors.Join(errs...)
}

func (j *Janitor) remove(ctx context.Context, f Film) error {
	if f.InfoHash != "" {
		if err := j.Engine.Drop(f.InfoHash); err != nil && hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			return fmt.Errorf("janitor: drop torrent of film %d: %w", f.ID, err)
		}
	}
	if err := j.Files.RemoveFilm(ctx, f); err != nil {
		return fmt.Errorf("janitor: remove files of film %d: %w", f.ID, err)
	}
	return nil
}

// Run sweeps at once and then every interval until ctx ends, which it
// returns.
func (j *Janitor) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return hypertube.Errorf(hypertube.EINVALID, "The janitor's interval must be positive, not %v.", every)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := j.Sweep(ctx, j.now()); err != nil && ctx.Err() == nil {
			j.logger().Error("janitor: sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (j *Janitor) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *Janitor) logger() *slog.Logger {
	if j.Logger != nil {
		return j.Logger
	}
	return slog.Default()
}
