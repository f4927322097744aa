package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// MovieService stores the library of films.
type MovieService struct {
	db *DB
}

var _ hypertube.MovieService = (*MovieService)(nil)

// NewMovieService returns a MovieService backed by db.
func NewMovieService(db *DB) *MovieService { return &MovieService{db: db} }

// createAttempts bounds the retries of a PostgreSQL upsert that lost a race
// on the unique index it does not arbitrate on (see CreateMovies).
const createAttempts = 3

// CreateMovie inserts m, or updates the film it already is, and sets m's
// ID and times. See CreateMovies.
func (s *MovieService) CreateMovie(ctx context.Context, m *hypertube.Movie) error {
	return s.CreateMovies(ctx, []*hypertube.Movie{m})
}

// CreateMovies stores films in one transaction, as CreateMovie would one by
// one: a film is the one with the same info hash when it has one, else the
// one with the same IMDb id, else a new one. A film known by its IMDb id but
// without a torrent yet takes the info hash of the first import that brings
// one. An update keeps the stored info hash, magnet, file path and IMDb id
// when the import does not know them, and never changes CreatedAt or
// LastWatchedAt. Each film is normalised in place and gets its ID and times.
func (s *MovieService) CreateMovies(ctx context.Context, movies []*hypertube.Movie) error {
	rows := make([]movieRow, len(movies))
	for i, m := range movies {
		r, err := newMovieRow(m)
		if err != nil {
			if len(movies) > 1 {
				return fmt.Errorf("film %d of %d (%q): %w", i+1, len(movies), titleOf(m), err)
			}
			return err
		}
		rows[i] = r
	}
	now := time.Now().Unix()
	var err error
	for range createAttempts {
		err = s.db.inTx(ctx, func(tx *sql.Tx) error {
			st := &statements{tx: tx, prepare: len(movies) > 1}
			defer st.close()
			waiting, err := waitingForTorrent(ctx, tx, movies)
			if err != nil {
				return err
			}
			for i, m := range movies {
				if err := createMovie(ctx, st, m, rows[i], now, waiting[m.ImdbID]); err != nil {
					return err
				}
				if m.ImdbID != "" {
					// For a later film of the batch; m.InfoHash is the stored one.
					waiting[m.ImdbID] = m.InfoHash == ""
				}
			}
			return setGenres(ctx, tx, movies)
		})
		// On PostgreSQL, ON CONFLICT only arbitrates on one unique index: an
		// import racing another of the same film may still trip the other
		// index. Once that transaction is over, a retry sees its row.
		if err == nil || !s.db.dialect.isUniqueViolation(err) {
			break
		}
	}
	switch {
	case s.db.dialect.violatesUnique(err, "movies", "imdb_id"):
		return hypertube.Errorf(hypertube.ECONFLICT, "Another film, with another torrent, already has this IMDb id.")
	case err != nil:
		return fmt.Errorf("store: create movie: %w", err)
	}
	return nil
}

// upsertMovie is the SET clause of CreateMovies' upserts.
const upsertMovie = `
	title = excluded.title,
	sort_title = excluded.sort_title,
	search_text = excluded.search_text,
	original_title = excluded.original_title,
	year = excluded.year,
	summary = excluded.summary,
	poster = excluded.poster,
	imdb_id = CASE WHEN excluded.imdb_id = '' THEN movies.imdb_id ELSE excluded.imdb_id END,
	runtime = excluded.runtime,
	genres = excluded.genres,
	rating = excluded.rating,
	director = excluded.director,
	producers = excluded.producers,
	cast_list = excluded.cast_list,
	popularity = excluded.popularity,
	seeders = excluded.seeders,
	source = excluded.source,
	info_hash = CASE WHEN excluded.info_hash = '' THEN movies.info_hash ELSE excluded.info_hash END,
	magnet = CASE WHEN excluded.magnet = '' THEN movies.magnet ELSE excluded.magnet END,
	file_path = CASE WHEN excluded.file_path = '' THEN movies.file_path ELSE excluded.file_path END,
	updated_at = excluded.updated_at`

// waitingForTorrent returns the IMDb ids, among those of films that come
// with an info hash, of the stored films that have no torrent yet.
func waitingForTorrent(ctx context.Context, tx *sql.Tx, films []*hypertube.Movie) (map[string]bool, error) {
	var ids []any
	for _, m := range films {
		if m.InfoHash != "" && m.ImdbID != "" {
			ids = append(ids, m.ImdbID)
		}
	}
	waiting := map[string]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		marks := make([]string, len(chunk))
		for i := range chunk {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		rows, err := tx.QueryContext(ctx, `SELECT imdb_id FROM movies
			WHERE info_hash = '' AND imdb_id IN (`+strings.Join(marks, ", ")+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			waiting[id] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return waiting, nil
}

// createMovie upserts one film. waiting says that a stored film with m's
// IMDb id has no torrent yet.
func createMovie(ctx context.Context, st *statements, m *hypertube.Movie, r movieRow, now int64, waiting bool) error {
	var conflict string
	switch {
	case m.InfoHash != "":
		if waiting {
			// That catalog film becomes this one.
			_, err := st.exec(ctx, `
				UPDATE movies SET info_hash = $1
				WHERE imdb_id = $2 AND info_hash = ''
					AND NOT EXISTS (SELECT 1 FROM movies WHERE info_hash = $1)`, m.InfoHash, m.ImdbID)
			if err != nil {
				return err
			}
		}
		conflict = ` ON CONFLICT (info_hash) WHERE info_hash <> '' DO UPDATE SET ` + upsertMovie
	case m.ImdbID != "":
		conflict = ` ON CONFLICT (imdb_id) WHERE imdb_id <> '' DO UPDATE SET ` + upsertMovie
	}
	var (
		created int64
		watched sql.NullInt64
	)
	row, err := st.queryRow(ctx, `
		INSERT INTO movies (title, sort_title, search_text, original_title, year, summary, poster,
			imdb_id, runtime, genres, rating, director, producers, cast_list, popularity, seeders,
			source, info_hash, magnet, file_path, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
			$17, $18, $19, $20, $21, $21)`+conflict+`
		RETURNING id, imdb_id, info_hash, magnet, file_path, created_at, last_watched_at`,
		append(r.args(m), now)...)
	if err != nil {
		return err
	}
	err = row.Scan(&m.ID, &m.ImdbID, &m.InfoHash, &m.Magnet, &m.FilePath, &created, &watched)
	if err != nil {
		return err
	}
	m.CreatedAt = fromUnix(created)
	m.UpdatedAt = fromUnix(now)
	m.LastWatchedAt = fromNullUnix(watched)
	return nil
}

// setGenres makes movie_genres list the genres of films, which
// validateMovie has made unique by key. It works a few hundred rows per
// statement, so that a catalog import is not one statement per genre.
func setGenres(ctx context.Context, tx *sql.Tx, films []*hypertube.Movie) error {
	const idsPerDelete, rowsPerInsert = 500, 300
	// A film given twice ends with its last genres, as its row does.
	genres := map[int64][]string{}
	var ids []int64
	for _, m := range films {
		if _, ok := genres[m.ID]; !ok {
			ids = append(ids, m.ID)
		}
		genres[m.ID] = m.Genres
	}
	for chunk := range slices.Chunk(ids, idsPerDelete) {
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM movie_genres WHERE movie_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return err
		}
	}
	var values []string
	var args []any
	flush := func() error {
		if len(values) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO movie_genres (movie_id, genre_key, genre) VALUES `+strings.Join(values, ", "), args...)
		values, args = values[:0], args[:0]
		return err
	}
	for _, id := range ids {
		for _, g := range genres[id] {
			args = append(args, id, genreKey(g), g)
			n := len(args)
			values = append(values, fmt.Sprintf("($%d, $%d, $%d)", n-2, n-1, n))
			if len(values) == rowsPerInsert {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// statements runs the queries of a transaction, preparing each once when
// it is to run many times.
type statements struct {
	tx      *sql.Tx
	prepare bool
	stmts   map[string]*sql.Stmt
}

func (st *statements) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := st.stmts[query]; ok {
		return s, nil
	}
	s, err := st.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if st.stmts == nil {
		st.stmts = map[string]*sql.Stmt{}
	}
	st.stmts[query] = s
	return s, nil
}

func (st *statements) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !st.prepare {
		return st.tx.ExecContext(ctx, query, args...)
	}
	s, err := st.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (st *statements) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	if !st.prepare {
		return st.tx.QueryRowContext(ctx, query, args...), nil
	}
	s, err := st.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

func (st *statements) close() {
	for _, s := range st.stmts {
		s.Close()
	}
}

// UpdateMovie saves every field of m except its times; MarkMovieWatched
// sets LastWatchedAt.
func (s *MovieService) UpdateMovie(ctx context.Context, m *hypertube.Movie) error {
	r, err := newMovieRow(m)
	if err != nil {
		return err
	}
	now := time.Now().Unix()
	var (
		created int64
		watched sql.NullInt64
	)
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			UPDATE movies SET title = $1, sort_title = $2, search_text = $3, original_title = $4,
				year = $5, summary = $6, poster = $7, imdb_id = $8, runtime = $9, genres = $10,
				rating = $11, director = $12, producers = $13, cast_list = $14, popularity = $15,
				seeders = $16, source = $17, info_hash = $18, magnet = $19, file_path = $20,
				updated_at = $21
			WHERE id = $22
			RETURNING created_at, last_watched_at`,
			append(r.args(m), now, m.ID)...,
		).Scan(&created, &watched)
		if err != nil {
			return err
		}
		return setGenres(ctx, tx, []*hypertube.Movie{m})
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d.", m.ID)
	case s.db.dialect.violatesUnique(err, "movies", "info_hash"):
		return hypertube.Errorf(hypertube.ECONFLICT, "Another film already has the info hash %s.", m.InfoHash)
	case s.db.dialect.violatesUnique(err, "movies", "imdb_id"):
		return hypertube.Errorf(hypertube.ECONFLICT, "Another film already has the IMDb id %s.", m.ImdbID)
	case err != nil:
		return fmt.Errorf("store: update movie: %w", err)
	}
	m.CreatedAt = fromUnix(created)
	m.UpdatedAt = fromUnix(now)
	m.LastWatchedAt = fromNullUnix(watched)
	return nil
}

// DeleteMovie removes a film, ENOTFOUND if there is none.
func (s *MovieService) DeleteMovie(ctx context.Context, id int64) error {
	res, err := s.db.db.ExecContext(ctx, `DELETE FROM movies WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete movie: %w", err)
	}
	return mustHaveChanged(res, id)
}

// MarkMovieWatched records when a film was last watched; a zero time means
// now.
func (s *MovieService) MarkMovieWatched(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = time.Now()
	}
	res, err := s.db.db.ExecContext(ctx, `UPDATE movies SET last_watched_at = $1 WHERE id = $2`, at.Unix(), id)
	if err != nil {
		return fmt.Errorf("store: mark movie watched: %w", err)
	}
	return mustHaveChanged(res, id)
}

func mustHaveChanged(res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d.", id)
	}
	return nil
}
