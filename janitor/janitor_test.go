package janitor_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/janitor"
)

// fakeDisk is the library, the engine and the file system at once.
type fakeDisk struct {
	mu      sync.Mutex
	films   []janitor.Film
	dropped []string
	removed []int64
	sweeps  int
	failOn  int64 // RemoveFilm fails for this id
}

func (d *fakeDisk) FilmsOnDisk(context.Context) ([]janitor.Film, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweeps++
	return slices.Clone(d.films), nil
}

func (d *fakeDisk) Drop(infoHash string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropped = append(d.dropped, infoHash)
	if infoHash == "gone" {
		return hypertube.Errorf(hypertube.ENOTFOUND, "no such torrent")
	}
	return nil
}

func (d *fakeDisk) RemoveFilm(_ context.Context, f janitor.Film) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f.ID == d.failOn {
		return errors.New("disk on fire")
	}
	d.removed = append(d.removed, f.ID)
	d.films = slices.DeleteFunc(d.films, func(g janitor.Film) bool { return g.ID == f.ID })
	return nil
}

var (
	now   = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	day   = 24 * time.Hour
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
)

func ago(d time.Duration) time.Time { return now.Add(-d) }

func TestSweep(t *testing.T) {
	tests := []struct {
		name   string
		films  []janitor.Film
		inUse  []int64
		maxAge time.Duration
		budget int64
		want   []int64 // deleted, in order
	}{
		{
			name: "29 days kept, 31 days deleted",
			films: []janitor.Film{
				{ID: 1, InfoHash: "a", LastWatched: ago(29 * day)},
				{ID: 2, InfoHash: "b", LastWatched: ago(31 * day)},
			},
			want: []int64{2},
		},
		{
			name: "never watched counts from when it was added",
			films: []janitor.Film{
				{ID: 1, InfoHash: "a", AddedAt: ago(31 * day)},
				{ID: 2, InfoHash: "b", AddedAt: ago(2 * day)},
			},
			want: []int64{1},
		},
		{
			name:  "a film being watched is kept however old",
			films: []janitor.Film{{ID: 1, InfoHash: "a", LastWatched: ago(300 * day)}, {ID: 2, InfoHash: "b", LastWatched: ago(40 * day)}},
			inUse: []int64{1},
			want:  []int64{2},
		},
		{
			name:   "configurable age",
			films:  []janitor.Film{{ID: 1, InfoHash: "a", LastWatched: ago(8 * day)}, {ID: 2, InfoHash: "b", LastWatched: ago(6 * day)}},
			maxAge: 7 * day,
			want:   []int64{1},
		},
		{
			name: "budget evicts the least recently watched first",
			films: []janitor.Film{
				{ID: 1, InfoHash: "a", LastWatched: ago(1 * day), Size: 40},
				{ID: 2, InfoHash: "b", LastWatched: ago(5 * day), Size: 40},
				{ID: 3, InfoHash: "c", LastWatched: ago(3 * day), Size: 40},
				{ID: 4, InfoHash: "d", LastWatched: ago(2 * day), Size: 40},
			},
			budget: 100,
			want:   []int64{2, 3},
		},
		{
			name: "budget skips the film being watched",
			films: []janitor.Film{
				{ID: 1, InfoHash: "a", LastWatched: ago(1 * day), Size: 60},
				{ID: 2, InfoHash: "b", LastWatched: ago(5 * day), Size: 60},
				{ID: 3, InfoHash: "c", LastWatched: ago(3 * day), Size: 60},
			},
			// 180 bytes, 100 allowed, 60 watched: both others go.
			inUse:  []int64{2},
			budget: 100,
			want:   []int64{3, 1},
		},
		{
			name:   "under budget nothing young goes",
			films:  []janitor.Film{{ID: 1, InfoHash: "a", LastWatched: ago(day), Size: 10}},
			budget: 100,
		},
		{
			name:  "a torrent the engine no longer has still loses its files",
			films: []janitor.Film{{ID: 9, InfoHash: "gone", LastWatched: ago(60 * day)}},
			want:  []int64{9},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disk := &fakeDisk{films: slices.Clone(tt.films)}
			j := &janitor.Janitor{Films: disk, Engine: disk, Files: disk, MaxAge: tt.maxAge, Budget: tt.budget, Logger: quiet,
				InUse: func(id int64) bool { return slices.Contains(tt.inUse, id) }}
			deleted, err := j.Sweep(context.Background(), now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(deleted, tt.want) || !slices.Equal(disk.removed, tt.want) {
				t.Errorf("deleted %v, removed %v; want %v", deleted, disk.removed, tt.want)
			}
			var wantDrops []string
			for _, f := range tt.films {
				if slices.Contains(tt.want, f.ID) {
					wantDrops = append(wantDrops, f.InfoHash)
				}
			}
			slices.Sort(wantDrops)
			slices.Sort(disk.dropped)
			if !slices.Equal(disk.dropped, wantDrops) {
				t.Errorf("dropped torrents %v, want %v", disk.dropped, wantDrops)
			}
		})
	}
}

func TestSweepGoesOnAfterAFailure(t *testing.T) {
	disk := &fakeDisk{failOn: 1, films: []janitor.Film{
		{ID: 1, InfoHash: "a", LastWatched: ago(50 * day)},
		{ID: 2, InfoHash: "b", LastWatched: ago(40 * day)},
	}}
	j := &janitor.Janitor{Films: disk, Engine: disk, Files: disk, Logger: quiet}
	deleted, err := j.Sweep(context.Background(), now)
	if err == nil || !slices.Equal(deleted, []int64{2}) {
		t.Errorf("Sweep = %v, %v; want film 2 deleted and film 1's error", deleted, err)
	}
}

func TestRun(t *testing.T) {
	disk := &fakeDisk{films: []janitor.Film{{ID: 1, InfoHash: "a", LastWatched: ago(31 * day)}}}
	j := &janitor.Janitor{Films: disk, Engine: disk, Files: disk, Logger: quiet, Now: func() time.Time { return now }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- j.Run(ctx, 10*time.Millisecond) }()
	deadline := time.After(10 * time.Second)
	for {
		disk.mu.Lock()
		sweeps, removed := disk.sweeps, slices.Clone(disk.removed)
		disk.mu.Unlock()
		if sweeps >= 3 {
			if !slices.Equal(removed, []int64{1}) {
				t.Errorf("removed %v, want [1] once", removed)
			}
			break
		}
		select {
		case <-deadline:
			t.Fatalf("only %d sweeps", sweeps)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if err := j.Run(context.Background(), 0); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("Run with no interval: %v", err)
	}
}
