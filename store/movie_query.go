package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

const (
	defaultMovieLimit = 50
	maxMovieLimit     = 200
)

const movieColumns = `id, title, original_title, year, summary, poster, imdb_id, runtime, genres,
	rating, director, producers, cast_list, popularity, seeders, source, info_hash, magnet,
	file_path, created_at, updated_at, last_watched_at`

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

// FindMovies returns one page of the films that match filter and how many
// match in all.
//
// Query matches part of the title or original title, ignoring case. A year
// or rating range leaves out the films whose year or rating is unknown (0).
// Films are ordered by filter.Sort; ties, and the name order itself, go by
// lowercase title, then title, then id, so that pages never overlap. Desc
// reverses the name order, and puts the highest year, rating or popularity
// first, ties still from A to Z.
func (s *MovieService) FindMovies(ctx context.Context, filter hypertube.MovieFilter) ([]*hypertube.Movie, int, error) {
	cond, args, err := movieConditions(filter)
	if err != nil {
		return nil, 0, err
	}
	order, err := movieOrder(filter.Sort, filter.Desc)
	if err != nil {
		return nil, 0, err
	}
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

	var total int
	if err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM movies`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count movies: %w", err)
	}
	if total <= filter.Offset {
		return []*hypertube.Movie{}, total, nil
	}
	query := fmt.Sprintf(`SELECT %s FROM movies%s ORDER BY %s LIMIT $%d OFFSET $%d`,
		movieColumns, cond, order, len(args)+1, len(args)+2)
	movies, err := s.queryMovies(ctx, query, append(args, limit, filter.Offset)...)
	return movies, total, err
}

// movieConditions returns the WHERE clause of a filter and its parameters.
func movieConditions(f hypertube.MovieFilter) (string, []any, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// Both sides are lowercase, so SQLite's case-insensitive LIKE and
		// PostgreSQL's case-sensitive one agree.
		add(`search_text LIKE $? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(q))+"%")
	}
	if f.Source != "" {
		add(`source = $?`, f.Source)
	}
	if f.InfoHash != "" {
		h, err := normalizeInfoHash(f.InfoHash)
		if err != nil {
			return "", nil, err
		}
		add(`info_hash = $?`, h)
	}
	if f.ImdbID != "" {
		id := strings.ToLower(strings.TrimSpace(f.ImdbID))
		if !imdbIDPattern.MatchString(id) {
			return "", nil, hypertube.Errorf(hypertube.EINVALID, "An IMDb id is \"tt\" followed by 7 to 10 digits, such as tt0137523.")
		}
		add(`imdb_id = $?`, id)
	}
	if key := genreKey(f.Genre); key != "" {
		add(`EXISTS (SELECT 1 FROM movie_genres g WHERE g.movie_id = movies.id AND g.genre_key = $?)`, key)
	}

	switch {
	case f.MinYear < 0 || f.MaxYear < 0 || f.MinYear > 9999 || f.MaxYear > 9999:
		return "", nil, hypertube.Errorf(hypertube.EINVALID, "A year is between 1 and 9999.")
	case f.MaxYear > 0 && f.MinYear > f.MaxYear:
		return "", nil, hypertube.Errorf(hypertube.EINVALID, "The first year, %d, comes after the last, %d.", f.MinYear, f.MaxYear)
	}
	if f.MinYear > 0 || f.MaxYear > 0 {
		add(`year >= $?`, max(f.MinYear, 1))
	}
	if f.MaxYear > 0 {
		add(`year <= $?`, f.MaxYear)
	}

	for _, r := range []float64{f.MinRating, f.MaxRating} {
		if math.IsNaN(r) || r < 0 || r > 10 {
			return "", nil, hypertube.Errorf(hypertube.EINVALID, "A rating is between 0 and 10.")
		}
	}
	if f.MaxRating > 0 && f.MinRating > f.MaxRating {
		return "", nil, hypertube.Errorf(hypertube.EINVALID, "The lowest rating, %g, is above the highest, %g.", f.MinRating, f.MaxRating)
	}
	if f.MinRating > 0 || f.MaxRating > 0 {
		// rating = 0 means unrated.
		if f.MinRating > 0 {
			add(`rating >= $?`, f.MinRating)
		} else {
			where = append(where, `rating > 0`)
		}
	}
	if f.MaxRating > 0 {
		add(`rating <= $?`, f.MaxRating)
	}

	if len(where) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(where, " AND "), args, nil
}

// movieOrder returns the ORDER BY list of a sort. Each matches an index of
// migration 003.
func movieOrder(sort string, desc bool) (string, error) {
	const byName = "sort_title, title, id"
	dir := ""
	if desc {
		dir = " DESC"
	}
	switch sort {
	case "", hypertube.SortName:
		if desc {
			return "sort_title DESC, title DESC, id DESC", nil
		}
		return byName, nil
	case hypertube.SortYear:
		return "year" + dir + ", " + byName, nil
	case hypertube.SortRating:
		return "rating" + dir + ", " + byName, nil
	case hypertube.SortPopularity:
		return "popularity" + dir + ", " + byName, nil
	}
	return "", hypertube.Errorf(hypertube.EINVALID, "Films can be sorted by name, year, rating or popularity, not %q.", sort)
}

// FindMoviesWatchedBefore returns the films with a torrent that nobody has
// watched since t (counting from when they were added, for films never
// watched), oldest first: the ones whose downloaded files may be removed.
func (s *MovieService) FindMoviesWatchedBefore(ctx context.Context, t time.Time) ([]*hypertube.Movie, error) {
	return s.queryMovies(ctx, `SELECT `+movieColumns+` FROM movies
		WHERE info_hash <> '' AND COALESCE(last_watched_at, created_at) < $1
		ORDER BY COALESCE(last_watched_at, created_at), id`, t.Unix())
}

// FindGenres returns every genre of the library, in alphabetical order of
// their lowercase names, each spelt as one of its films spells it.
func (s *MovieService) FindGenres(ctx context.Context) ([]string, error) {
	rows, err := s.db.db.QueryContext(ctx,
		`SELECT genre_key, MIN(genre) FROM movie_genres GROUP BY genre_key`)
	if err != nil {
		return nil, fmt.Errorf("store: find genres: %w", err)
	}
	defer rows.Close()
	genres := []string{}
	for rows.Next() {
		var key, genre string
		if err := rows.Scan(&key, &genre); err != nil {
			return nil, fmt.Errorf("store: find genres: %w", err)
		}
		genres = append(genres, genre)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find genres: %w", err)
	}
	// Sorted here: PostgreSQL would follow the server's locale.
	slices.SortFunc(genres, func(a, b string) int { return strings.Compare(genreKey(a), genreKey(b)) })
	return genres, nil
}

func (s *MovieService) queryMovies(ctx context.Context, query string, args ...any) ([]*hypertube.Movie, error) {
	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find movies: %w", err)
	}
	defer rows.Close()
	movies := []*hypertube.Movie{}
	for rows.Next() {
		m, err := scanMovie(rows)
		if err != nil {
			return nil, err
		}
		movies = append(movies, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find movies: %w", err)
	}
	return movies, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanMovie(row scanner) (*hypertube.Movie, error) {
	var (
		m                       hypertube.Movie
		genres, producers, cast string
		created, updated        int64
		watched                 sql.NullInt64
	)
	err := row.Scan(&m.ID, &m.Title, &m.OriginalTitle, &m.Year, &m.Summary, &m.Poster, &m.ImdbID,
		&m.Runtime, &genres, &m.Rating, &m.Director, &producers, &cast, &m.Popularity, &m.Seeders,
		&m.Source, &m.InfoHash, &m.Magnet, &m.FilePath, &created, &updated, &watched)
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		text string
		dst  *[]string
	}{{genres, &m.Genres}, {producers, &m.Producers}, {cast, &m.Cast}} {
		if err := json.Unmarshal([]byte(l.text), l.dst); err != nil {
			return nil, fmt.Errorf("store: movie %d has a malformed list: %w", m.ID, err)
		}
	}
	m.CreatedAt = fromUnix(created)
	m.UpdatedAt = fromUnix(updated)
	m.LastWatchedAt = fromNullUnix(watched)
	return &m, nil
}

// encodeList encodes a list of names as JSON text: they are only ever read
// with their film, so a table of their own would buy nothing (genres have
// one too, for the genre filter).
func encodeList(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list) // cannot fail for strings
	return string(b)
}

// escapeLike makes s match itself literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func fromUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

func fromNullUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromUnix(n.Int64)
}
