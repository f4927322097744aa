-- The library: films known to a catalog before any torrent is chosen for
-- them, their credits, a genre table for the genre filter, the releases
-- (torrents) sources list for each film, comments, and the catalog
-- providers' cache.
--
-- movies is rebuilt: SQLite cannot drop the UNIQUE constraint of info_hash
-- in place. watches refers to movies, and PostgreSQL refuses to drop a table
-- that another refers to while SQLite would empty watches through its ON
-- DELETE CASCADE, so watches is set aside and rebuilt too. Copying the rows
-- out, dropping both tables and creating them again under their own names
-- keeps the usual names of every constraint, index and sequence.
CREATE TABLE movies_next_id AS SELECT {{movies_next_id}} AS id;
CREATE TABLE movies_old AS SELECT * FROM movies;
CREATE TABLE watches_old AS SELECT * FROM watches;
DROP TABLE watches;
DROP TABLE movies;

-- info_hash is '' until a release is chosen. sort_title and search_text are
-- the lowercase title (and original title), folded in Go so that both
-- databases agree beyond ASCII; title and sort_title sort in byte order.
CREATE TABLE movies (
	id              {{id}},
	title           TEXT {{bytewise}} NOT NULL,
	sort_title      TEXT {{bytewise}} NOT NULL,
	search_text     TEXT NOT NULL,
	original_title  TEXT NOT NULL DEFAULT '',
	year            INTEGER NOT NULL DEFAULT 0,
	summary         TEXT NOT NULL DEFAULT '',
	poster          TEXT NOT NULL DEFAULT '',
	imdb_id         TEXT NOT NULL DEFAULT '',
	runtime         INTEGER NOT NULL DEFAULT 0,
	genres          TEXT NOT NULL DEFAULT '[]',
	rating          DOUBLE PRECISION NOT NULL DEFAULT 0,
	director        TEXT NOT NULL DEFAULT '',
	producers       TEXT NOT NULL DEFAULT '[]',
	cast_list       TEXT NOT NULL DEFAULT '[]',
	popularity      DOUBLE PRECISION NOT NULL DEFAULT 0,
	seeders         INTEGER NOT NULL DEFAULT 0,
	source          TEXT NOT NULL DEFAULT '',
	info_hash       TEXT NOT NULL DEFAULT '',
	magnet          TEXT NOT NULL DEFAULT '',
	file_path       TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	last_watched_at BIGINT
);

-- LOWER only folds ASCII on SQLite; the next import of a film refolds its
-- keys in Go. Older versions allowed one IMDb id on several films: the
-- oldest keeps it.
INSERT INTO movies (id, title, sort_title, search_text, year, summary, poster, imdb_id, runtime,
	genres, rating, source, info_hash, magnet, file_path, created_at, updated_at, last_watched_at)
SELECT o.id, o.title, LOWER(o.title), LOWER(o.title), o.year, o.summary, o.poster,
	CASE WHEN o.id = (SELECT MIN(d.id) FROM movies_old d WHERE d.imdb_id = o.imdb_id) THEN o.imdb_id ELSE '' END,
	o.runtime, o.genres, o.rating, o.source, o.info_hash, o.magnet, o.file_path,
	o.created_at, o.updated_at, o.last_watched_at
FROM movies_old o;
{{restore_movies_next_id}}

CREATE TABLE watches (
	user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	movie_id         BIGINT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
	position_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
	duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
	watched_at       BIGINT NOT NULL,
	PRIMARY KEY (user_id, movie_id)
);
INSERT INTO watches (user_id, movie_id, position_seconds, duration_seconds, watched_at)
SELECT user_id, movie_id, position_seconds, duration_seconds, watched_at FROM watches_old;

DROP TABLE watches_old;
DROP TABLE movies_old;
DROP TABLE movies_next_id;

CREATE INDEX watches_user_time ON watches (user_id, watched_at);
CREATE INDEX watches_movie ON watches (movie_id);

-- Named table_column_key, like PostgreSQL's own UNIQUE constraints, for
-- dialect.violatesUnique.
CREATE UNIQUE INDEX movies_info_hash_key ON movies (info_hash) WHERE info_hash <> '';
CREATE UNIQUE INDEX movies_imdb_id_key ON movies (imdb_id) WHERE imdb_id <> '';
CREATE INDEX movies_source ON movies (source);
-- One index per order of FindMovies, ending with its tie-breakers, so that
-- a page is read from an index instead of sorting the catalog. Ties go
-- from A to Z in both directions, so a descending order needs an index of
-- its own: SQLite cannot sort only the ties as PostgreSQL can.
CREATE INDEX movies_by_name ON movies (sort_title, title, id);
CREATE INDEX movies_by_year ON movies (year, sort_title, title, id);
CREATE INDEX movies_by_year_desc ON movies (year DESC, sort_title, title, id);
CREATE INDEX movies_by_rating ON movies (rating, sort_title, title, id);
CREATE INDEX movies_by_rating_desc ON movies (rating DESC, sort_title, title, id);
CREATE INDEX movies_by_popularity ON movies (popularity, sort_title, title, id);
CREATE INDEX movies_by_popularity_desc ON movies (popularity DESC, sort_title, title, id);

-- genre_key is the lowercase genre; genre is how it is shown.
CREATE TABLE movie_genres (
	movie_id  BIGINT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
	genre_key TEXT NOT NULL,
	genre     TEXT NOT NULL,
	PRIMARY KEY (movie_id, genre_key)
);
CREATE INDEX movie_genres_genre ON movie_genres (genre_key, movie_id);
INSERT INTO movie_genres (movie_id, genre_key, genre)
SELECT m.id, LOWER(TRIM(g.value)), MIN(TRIM(g.value))
FROM movies m, {{each_genre_of_m}}
WHERE TRIM(g.value) <> ''
GROUP BY m.id, LOWER(TRIM(g.value));

-- A release without an info hash has only a .torrent URL.
CREATE TABLE releases (
	id          {{id}},
	movie_id    BIGINT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
	source      TEXT NOT NULL,
	name        TEXT NOT NULL,
	info_hash   TEXT NOT NULL DEFAULT '',
	magnet      TEXT NOT NULL DEFAULT '',
	torrent_url TEXT NOT NULL DEFAULT '',
	size        BIGINT NOT NULL DEFAULT 0,
	seeders     INTEGER NOT NULL DEFAULT 0,
	peers       INTEGER NOT NULL DEFAULT 0,
	quality     TEXT NOT NULL DEFAULT '',
	codec       TEXT NOT NULL DEFAULT '',
	updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX releases_movie_info_hash_key ON releases (movie_id, info_hash) WHERE info_hash <> '';
CREATE INDEX releases_movie_source ON releases (movie_id, source);

-- A comment outlives its author's account: user_id becomes NULL.
CREATE TABLE comments (
	id         {{id}},
	movie_id   BIGINT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
	user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
	body       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX comments_movie ON comments (movie_id, id);
CREATE INDEX comments_user ON comments (user_id, id);

CREATE TABLE provider_cache (
	key        TEXT PRIMARY KEY,
	value      {{blob}} NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX provider_cache_expires ON provider_cache (expires_at);
