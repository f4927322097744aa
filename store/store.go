// Package store keeps Hypertube's data in SQLite (the default, one file in
// the data directory) or PostgreSQL (when given a postgres:// URL). The same
// SQL runs on both; the few differences live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hypertube/hypertube"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DB is an open, migrated database.
type DB struct {
	db       *sql.DB
	dialect  dialect
	migrated []string // applied by Open
}

// Open opens the database at databaseURL and applies any migration it lacks.
//
//   - "" opens the SQLite file dataDir/hypertube.db, creating dataDir;
//   - "postgres://…" or "postgresql://…" opens PostgreSQL;
//   - "sqlite:PATH", "file:…" (an SQLite URI) and ":memory:" open SQLite.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case databaseURL == "":
		if dataDir == "" {
			return nil, hypertube.Errorf(hypertube.EINVALID, "No database: set a database URL or a data directory.")
		}
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		db, err = openSQLite(filepath.Join(dataDir, "hypertube.db"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		db, err = openPostgres(databaseURL)
	case strings.HasPrefix(databaseURL, "sqlite:"):
		path := strings.TrimPrefix(databaseURL, "sqlite:")
		path = strings.TrimPrefix(path, "//") // sqlite:///abs/path
		if path == "" {
			return nil, hypertube.Errorf(hypertube.EINVALID, "The database URL %q names no file.", databaseURL)
		}
		db, err = openSQLite(path)
	case strings.HasPrefix(databaseURL, "file:"), databaseURL == ":memory:":
		db, err = openSQLite(databaseURL)
	default:
		// Only the scheme is echoed: the rest may hold a password.
		scheme, _, _ := strings.Cut(databaseURL, ":")
		return nil, hypertube.Errorf(hypertube.EINVALID,
			"Unsupported database URL scheme %q: use postgres://…, sqlite:PATH, or leave it empty for the default SQLite file.", scheme)
	}
	if err != nil {
		return nil, err
	}

	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := db.db.PingContext(pingCtx); err != nil {
		db.db.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", db.dialect.name, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(name string) (*DB, error) {
	db, err := sql.Open(sqliteDialect.driver, sqliteDSN(name))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	if isMemory(name) {
		// Every connection to :memory: is a separate, empty database.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		// SQLite allows one writer at a time whatever the pool size; WAL lets
		// readers run beside it, and busy_timeout plus BEGIN IMMEDIATE make
		// the other writers queue instead of failing.
		n := max(4, runtime.NumCPU())
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
	}
	return &DB{db: db, dialect: sqliteDialect}, nil
}

// sqliteDSN adds the connection settings to an SQLite file name or URI.
func sqliteDSN(name string) string {
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(NORMAL)")
	// A deferred transaction that reads and then writes fails at once with
	// SQLITE_BUSY when another writer got in first; busy_timeout cannot
	// help it. Taking the write lock at BEGIN avoids that.
	params.Set("_txlock", "immediate")
	sep := "?"
	if strings.HasPrefix(name, "file:") && strings.Contains(name, "?") {
		sep = "&"
	}
	return name + sep + params.Encode()
}

func isMemory(name string) bool {
	return name == ":memory:" || strings.HasPrefix(name, "file::memory:") || strings.Contains(name, "mode=memory")
}

func openPostgres(databaseURL string) (*DB, error) {
	db, err := sql.Open(postgresDialect.driver, databaseURL)
	if err != nil {
		// pgx's parse errors may quote the URL, password included.
		return nil, hypertube.Errorf(hypertube.EINVALID, "The PostgreSQL database URL is malformed.")
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{db: db, dialect: postgresDialect}, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// Dialect is "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name }

// SQL is the underlying pool, for packages that keep their own tables. Write
// queries with $N parameters: both drivers accept them.
func (db *DB) SQL() *sql.DB { return db.db }

// inTx runs fn in a transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
