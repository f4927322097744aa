package store

import (
	"context"
	"slices"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/internal/pgtest"
)

// TestLibraryMigrationKeepsData upgrades a database as migration 002 left
// it, with films, a deleted film, a duplicate IMDb id and a watch, and
// checks that migration 003's rebuild of movies and watches loses nothing.
func TestLibraryMigrationKeepsData(t *testing.T) {
	for _, name := range []string{dialectSQLite, dialectPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var (
				db  *DB
				err error
			)
			if name == dialectSQLite {
				db, err = openSQLite(t.TempDir() + "/old.db")
			} else {
				db, err = openPostgres(pgtest.URL(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.migrateTo(ctx, 2); err != nil {
				t.Fatal(err)
			}
			exec := func(query string, args ...any) {
				t.Helper()
				if _, err := db.db.ExecContext(ctx, query, args...); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
			}
			const insertOld = `INSERT INTO movies (title, year, imdb_id, genres, rating, source, info_hash,
				magnet, file_path, created_at, updated_at, last_watched_at)
				VALUES ($1, 2010, $2, $3, 7.5, 'builtin', $4, '', $5, 100, 200, $6)`
			exec(insertOld, "Sintel", "tt1727587", `["Animation"," fantasy ","Animation",""]`,
				"08ada5a7a6183aae1e09d831df6748d566095a10", "Sintel/sintel.mp4", 300)
			exec(insertOld, "Sintel (copy)", "tt1727587", `["Animation"]`,
				"1111111111111111111111111111111111111111", "", nil)
			exec(insertOld, "Élan", "", `[]`, "2222222222222222222222222222222222222222", "", nil)
			exec(insertOld, "Deleted", "", `[]`, "3333333333333333333333333333333333333333", "", nil)
			exec(`DELETE FROM movies WHERE id = 4`)
			exec(`INSERT INTO users (username, username_key, email, email_key, created_at, updated_at)
				VALUES ('alice', 'alice', 'alice@example.org', 'alice@example.org', 1, 1)`)
			exec(`INSERT INTO watches (user_id, movie_id, position_seconds, duration_seconds, watched_at)
				VALUES (1, 1, 12.5, 888, 400)`)

			if err := db.migrate(ctx); err != nil {
				t.Fatal(err)
			}
			svc := NewMovieService(db)
			sintel, err := svc.FindMovieByID(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if sintel.Title != "Sintel" || sintel.ImdbID != "tt1727587" || sintel.FilePath != "Sintel/sintel.mp4" ||
				sintel.InfoHash != "08ada5a7a6183aae1e09d831df6748d566095a10" || sintel.LastWatchedAt.Unix() != 300 ||
				sintel.CreatedAt.Unix() != 100 || sintel.UpdatedAt.Unix() != 200 || sintel.Rating != 7.5 {
				t.Errorf("Sintel after the migration: %+v", sintel)
			}
			if cp, err := svc.FindMovieByID(ctx, 2); err != nil || cp.ImdbID != "" || cp.Title != "Sintel (copy)" {
				t.Errorf("the film with a duplicate IMDb id: %+v, %v", cp, err)
			}

			var pos, dur float64
			err = db.db.QueryRowContext(ctx, `SELECT position_seconds, duration_seconds FROM watches
				WHERE user_id = 1 AND movie_id = 1`).Scan(&pos, &dur)
			if err != nil || pos != 12.5 || dur != 888 {
				t.Errorf("watch after the migration: %v %v %v", pos, dur, err)
			}
			// The rebuilt watches still follows its film.
			if err := svc.DeleteMovie(ctx, 2); err != nil {
				t.Fatal(err)
			}
			exec(`INSERT INTO watches (user_id, movie_id, watched_at) VALUES (1, 3, 1)`)
			if err := svc.DeleteMovie(ctx, 3); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM watches`).Scan(&n); err != nil || n != 1 {
				t.Errorf("watches after deleting film 3: %d (%v), want 1", n, err)
			}

			for genre, want := range map[string][]int64{"FANTASY": {1}, "animation": {1}} {
				got, _, err := svc.FindMovies(ctx, hypertube.MovieFilter{Genre: genre})
				if err != nil || len(got) != len(want) || got[0].ID != want[0] {
					t.Errorf("genre %q: %v, %v", genre, got, err)
				}
			}
			// Ids of deleted films are not given again.
			m := &hypertube.Movie{Title: "New"}
			if err := svc.CreateMovie(ctx, m); err != nil {
				t.Fatal(err)
			}
			if m.ID != 5 {
				t.Errorf("new film got id %d, want 5", m.ID)
			}
			genres, err := svc.FindGenres(ctx)
			if err != nil || !slices.Equal(genres, []string{"Animation", "fantasy"}) {
				t.Errorf("FindGenres = %q, %v", genres, err)
			}
		})
	}
}
