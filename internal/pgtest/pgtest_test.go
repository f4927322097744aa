package pgtest_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/hypertube/hypertube/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dbName(t *testing.T, u string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(parsed.Path, "/")
}

func TestURLGivesFreshEmptyDatabases(t *testing.T) {
	ctx := context.Background()
	first, second := pgtest.URL(t), pgtest.URL(t)
	if dbName(t, first) == dbName(t, second) {
		t.Fatalf("two calls gave the same database %q", dbName(t, first))
	}
	if !strings.HasPrefix(first, "postgres://") {
		t.Errorf("URL = %q, want a postgres:// URL", first)
	}

	db1 := open(t, first)
	var current string
	if err := db1.QueryRowContext(ctx, "SELECT current_database()").Scan(&current); err != nil {
		t.Fatal(err)
	}
	if current != dbName(t, first) {
		t.Errorf("connected to %q, want %q", current, dbName(t, first))
	}
	if _, err := db1.ExecContext(ctx, "CREATE TABLE marker (id INTEGER)"); err != nil {
		t.Fatal(err)
	}

	db2 := open(t, second)
	var tables int
	err := db2.QueryRowContext(ctx,
		"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables)
	if err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("second database has %d tables, want an empty one", tables)
	}
}

func TestURLDropsTheDatabaseAtCleanup(t *testing.T) {
	var (
		name     string
		leftOpen *sql.DB
	)
	t.Run("user", func(t *testing.T) {
		u := pgtest.URL(t)
		name = dbName(t, u)
		// A connection still open when the test ends must not keep the
		// database alive.
		var err error
		if leftOpen, err = sql.Open("pgx", u); err != nil {
			t.Fatal(err)
		}
		if err := leftOpen.Ping(); err != nil {
			t.Fatal(err)
		}
	})
	defer leftOpen.Close()

	db := open(t, pgtest.URL(t))
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %q still exists after its test ended", name)
	}
}
