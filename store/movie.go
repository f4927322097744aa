package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// MovieService stores the library of films.
type MovieService struct {
	db *DB
}

var _ hypertube.MovieService = (*MovieService)(nil)

// NewMovieService returns a MovieService backed by db.
func NewMovieService(db *DB) *MovieService { return &MovieService{db: db} }

const (
	defaultMovieLimit = 50
	maxMovieLimit     = 200
	maxTitleLen       = 500
)

const movieColumns = `id, title, year, summary, poster, imdb_id, runtime, genres, rating,
	source, info_hash, magnet, file_path, created_at, updated_at, last_watched_at`

var infoHashPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// FindMovieByID returns the film with the given id, ENOTFOUND if none.
func (s *MovieService) FindMovieByID(ctx context.Context, id int64) (*hypertube.Movie, error) {
	row := s.db.db.QueryRowContext(ctx, `SELECT `+movieColumns+` FROM movies WHERE id = $1`, id)
	m, err := scanMovie(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d.", id)
	}
	return m, err
}

// FindMovieByInfoHash returns the film of a torrent, ENOTFOUND if none.
func (s *MovieService) FindMovieByInfoHash(ctx context.Context, infoHash string) (*hypertube.Movie, error) {
	h, err := normalizeInfoHash(infoHash)
	if err != nil {
		return nil, err
	}
	row := s.db.db.QueryRowContext(ctx, `SELECT `+movieColumns+` FROM movies WHERE info_hash = $1`, h)
	m, err := scanMovie(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No film has the info hash %s.", h)
	}
	return m, err
}

// FindMovies returns one page of the films that match filter, ordered by
// title, and how many match in all.
func (s *MovieService) FindMovies(ctx context.Context, filter hypertube.MovieFilter) ([]*hypertube.Movie, int, error) {
	if filter.Offset < 0 || filter.Limit < 0 {
		return nil, 0, hypertube.Errorf(hypertube.EINVALID, "Page offset and size cannot be negative.")
	}
	limit := filter.Limit
	switch {
	case limit == 0:
		limit = defaultMovieLimit
	case limit > maxMovieLimit:
		limit = maxMovieLimit
	}

	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q := strings.TrimSpace(filter.Query); q != "" {
		// Lowered on both sides so that PostgreSQL's case-sensitive LIKE
		// and SQLite's case-insensitive one agree.
		add(`LOWER(title) LIKE $%d ESCAPE '\'`, "%"+escapeLike(strings.ToLower(q))+"%")
	}
	if filter.Source != "" {
		add(`source = $%d`, filter.Source)
	}
	if filter.InfoHash != "" {
		h, err := normalizeInfoHash(filter.InfoHash)
		if err != nil {
			return nil, 0, err
		}
		add(`info_hash = $%d`, h)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}

	var total int
	if err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM movies`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count movies: %w", err)
	}
	query := fmt.Sprintf(`SELECT %s FROM movies%s ORDER BY %s LIMIT $%d OFFSET $%d`,
		movieColumns, cond, s.db.dialect.byTitle, len(args)+1, len(args)+2)
	rows, err := s.db.db.QueryContext(ctx, query, append(args, limit, filter.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: find movies: %w", err)
	}
	defer rows.Close()
	movies := []*hypertube.Movie{}
	for rows.Next() {
		m, err := scanMovie(rows)
		if err != nil {
			return nil, 0, err
		}
		movies = append(movies, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: find movies: %w", err)
	}
	return movies, total, nil
}

// CreateMovie inserts m, or updates the film that has its info hash, and
// sets m's ID and times. A re-import that knows no FilePath keeps the one
// already stored, which the player may have learnt.
func (s *MovieService) CreateMovie(ctx context.Context, m *hypertube.Movie) error {
	if err := validateMovie(m); err != nil {
		return err
	}
	genres, err := encodeGenres(m.Genres)
	if err != nil {
		return err
	}
	now := time.Now().Unix()
	var (
		id, created int64
		watched     sql.NullInt64
	)
	err = s.db.db.QueryRowContext(ctx, `
		INSERT INTO movies (title, year, summary, poster, imdb_id, runtime, genres, rating,
			source, info_hash, magnet, file_path, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
		ON CONFLICT (info_hash) DO UPDATE SET
			title = excluded.title,
			year = excluded.year,
			summary = excluded.summary,
			poster = excluded.poster,
			imdb_id = excluded.imdb_id,
			runtime = excluded.runtime,
			genres = excluded.genres,
			rating = excluded.rating,
			source = excluded.source,
			magnet = excluded.magnet,
			file_path = CASE WHEN excluded.file_path = '' THEN movies.file_path ELSE excluded.file_path END,
			updated_at = excluded.updated_at
		RETURNING id, created_at, last_watched_at`,
		m.Title, m.Year, m.Summary, m.Poster, m.ImdbID, m.Runtime, genres, m.Rating,
		m.Source, m.InfoHash, m.Magnet, m.FilePath, now,
	).Scan(&id, &created, &watched)
	if err != nil {
		return fmt.Errorf("store: create movie: %w", err)
	}
	m.ID = id
	m.CreatedAt = fromUnix(created)
	m.UpdatedAt = fromUnix(now)
	m.LastWatchedAt = fromNullUnix(watched)
	return nil
}

// UpdateMovie saves every field of m except its times; MarkMovieWatched
// sets LastWatchedAt.
func (s *MovieService) UpdateMovie(ctx context.Context, m *hypertube.Movie) error {
	if err := validateMovie(m); err != nil {
		return err
	}
	genres, err := encodeGenres(m.Genres)
	if err != nil {
		return err
	}
	now := time.Now().Unix()
	var (
		created int64
		watched sql.NullInt64
	)
	err = s.db.db.QueryRowContext(ctx, `
		UPDATE movies SET title = $1, year = $2, summary = $3, poster = $4, imdb_id = $5,
			runtime = $6, genres = $7, rating = $8, source = $9, info_hash = $10,
			magnet = $11, file_path = $12, updated_at = $13
		WHERE id = $14
		RETURNING created_at, last_watched_at`,
		m.Title, m.Year, m.Summary, m.Poster, m.ImdbID, m.Runtime, genres, m.Rating,
		m.Source, m.InfoHash, m.Magnet, m.FilePath, now, m.ID,
	).Scan(&created, &watched)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d.", m.ID)
	case s.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "Another film already has the info hash %s.", m.InfoHash)
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

// validateMovie checks m and normalises its title and info hash in place.
func validateMovie(m *hypertube.Movie) error {
	if m == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No film given.")
	}
	m.Title = strings.TrimSpace(m.Title)
	switch {
	case m.Title == "":
		return hypertube.Errorf(hypertube.EINVALID, "A film needs a title.")
	case utf8.RuneCountInString(m.Title) > maxTitleLen:
		return hypertube.Errorf(hypertube.EINVALID, "A film's title is %d characters at most.", maxTitleLen)
	case m.Year < 0 || m.Year > 9999:
		return hypertube.Errorf(hypertube.EINVALID, "The year %d is not a valid year.", m.Year)
	case m.Runtime < 0:
		return hypertube.Errorf(hypertube.EINVALID, "A film's running time cannot be negative.")
	case math.IsNaN(m.Rating) || m.Rating < 0 || m.Rating > 10:
		return hypertube.Errorf(hypertube.EINVALID, "A film's rating is between 0 and 10.")
	case m.Magnet != "" && !strings.HasPrefix(m.Magnet, "magnet:?"):
		return hypertube.Errorf(hypertube.EINVALID, "A magnet link starts with \"magnet:?\".")
	}
	h, err := normalizeInfoHash(m.InfoHash)
	if err != nil {
		return err
	}
	m.InfoHash = h
	return nil
}

func normalizeInfoHash(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if !infoHashPattern.MatchString(h) {
		return "", hypertube.Errorf(hypertube.EINVALID, "An info hash is 40 hexadecimal characters.")
	}
	return h, nil
}

// escapeLike makes s match itself literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeGenres(genres []string) (string, error) {
	if genres == nil {
		genres = []string{}
	}
	b, err := json.Marshal(genres)
	return string(b), err
}

type scanner interface{ Scan(dest ...any) error }

func scanMovie(row scanner) (*hypertube.Movie, error) {
	var (
		m                hypertube.Movie
		genres           string
		created, updated int64
		watched          sql.NullInt64
	)
	err := row.Scan(&m.ID, &m.Title, &m.Year, &m.Summary, &m.Poster, &m.ImdbID, &m.Runtime, &genres,
		&m.Rating, &m.Source, &m.InfoHash, &m.Magnet, &m.FilePath, &created, &updated, &watched)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(genres), &m.Genres); err != nil {
		return nil, fmt.Errorf("store: movie %d has malformed genres: %w", m.ID, err)
	}
	m.CreatedAt = fromUnix(created)
	m.UpdatedAt = fromUnix(updated)
	m.LastWatchedAt = fromNullUnix(watched)
	return &m, nil
}

func fromUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

func fromNullUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromUnix(n.Int64)
}
