package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/internal/pgtest"
	"github.com/hypertube/hypertube/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backend is a kind of database every store test runs against.
type backend struct {
	name string
	// location returns the arguments of store.Open for a new, empty database.
	location func(t testing.TB) (databaseURL, dataDir string)
}

var backends = []backend{
	{"sqlite", func(t testing.TB) (string, string) { return "", t.TempDir() }},
	{"postgres", func(t testing.TB) (string, string) { return pgtest.URL(t), "" }},
}

func forEachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

func open(t *testing.T, databaseURL, dataDir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), databaseURL, dataDir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func newService(t *testing.T, b backend) *store.MovieService {
	t.Helper()
	url, dir := b.location(t)
	return store.NewMovieService(open(t, url, dir))
}

func TestOpenTwiceAppliesMigrationsOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		url, dir := b.location(t)

		first, err := store.Open(ctx, url, dir)
		if err != nil {
			t.Fatal(err)
		}
		if got := first.Dialect(); got != b.name {
			t.Errorf("Dialect() = %q, want %q", got, b.name)
		}
		want := []string{"001_movies", "002_accounts", "003_library", "004_api"}
		if got := first.Migrated(); !slices.Equal(got, want) {
			t.Errorf("first Open: Migrated() = %q, want %q", got, want)
		}
		m := movie(1, "Sintel")
		if err := store.NewMovieService(first).CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}

		second := open(t, url, dir)
		if _, err := store.NewMovieService(second).FindMovieByID(ctx, m.ID); err != nil {
			t.Errorf("film lost on reopening: %v", err)
		}
		if got := second.Migrated(); len(got) != 0 {
			t.Errorf("second Open: Migrated() = %q, want none", got)
		}
		assertMigrations(t, second)
	})
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		url, dir := b.location(t)
		dbs := make([]*store.DB, 4)
		errs := make([]error, len(dbs))
		var wg sync.WaitGroup
		for i := range dbs {
			wg.Go(func() { dbs[i], errs[i] = store.Open(context.Background(), url, dir) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Open #%d: %v", i, err)
			}
			t.Cleanup(func() { dbs[i].Close() })
		}
		assertMigrations(t, dbs[0])
	})
}

// assertMigrations checks that every embedded migration is recorded once.
func assertMigrations(t *testing.T, db *store.DB) {
	t.Helper()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migration files found: %v", err)
	}
	var rows, distinct int
	err = db.SQL().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(files) || distinct != len(files) {
		t.Errorf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(files))
	}
}

func TestOpenSQLiteLocations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name     string
		url      string
		dataDir  string
		wantFile string // created by Open, when not empty
	}{
		{"default file in a new data dir", "", filepath.Join(dir, "a", "b"), filepath.Join(dir, "a", "b", "hypertube.db")},
		{"sqlite: path", "sqlite:" + filepath.Join(dir, "c.db"), "", filepath.Join(dir, "c.db")},
		{"sqlite:// path", "sqlite://" + filepath.Join(dir, "d.db"), "", filepath.Join(dir, "d.db")},
		{"file: URI", "file:" + filepath.Join(dir, "e.db") + "?cache=private", "", filepath.Join(dir, "e.db")},
		{"memory", ":memory:", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t, tt.url, tt.dataDir)
			if db.Dialect() != "sqlite" {
				t.Errorf("Dialect() = %q, want sqlite", db.Dialect())
			}
			if tt.wantFile != "" {
				if _, err := os.Stat(tt.wantFile); err != nil {
					t.Errorf("database file: %v", err)
				}
			}
			var mode string
			if err := db.SQL().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&mode); err != nil || mode != "1" {
				t.Errorf("foreign_keys = %q (%v), want 1", mode, err)
			}
			if tt.wantFile != "" {
				if err := db.SQL().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
					t.Errorf("journal_mode = %q (%v), want wal", mode, err)
				}
			}
			// The schema is there.
			if _, _, err := store.NewMovieService(db).FindMovies(ctx, hypertube.MovieFilter{}); err != nil {
				t.Errorf("FindMovies: %v", err)
			}
		})
	}
}

func TestOpenRejectsBadLocations(t *testing.T) {
	tests := []struct {
		name, url, dataDir string
	}{
		{"nothing at all", "", ""},
		{"unknown scheme", "mysql://root:s3cret@127.0.0.1/hypertube", ""},
		{"sqlite without a path", "sqlite:", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(context.Background(), tt.url, tt.dataDir)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if code := hypertube.ErrorCode(err); code != hypertube.EINVALID {
				t.Errorf("code = %q, want %q (%v)", code, hypertube.EINVALID, err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

func TestConcurrentCreates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := newService(t, b)
		const workers, each = 8, 10
		errs := make(chan error, workers*(each+1))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					errs <- svc.CreateMovie(ctx, movie(1000+w*each+i, fmt.Sprintf("Film %d-%d", w, i)))
				}
				// Everyone also imports the same film at about the same time.
				errs <- svc.CreateMovie(ctx, movie(1, "Shared"))
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("CreateMovie: %v", err)
			}
		}
		_, total, err := svc.FindMovies(ctx, hypertube.MovieFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := workers*each + 1; total != want {
			t.Errorf("total = %d, want %d", total, want)
		}
	})
}
