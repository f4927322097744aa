-- Times are Unix seconds (BIGINT) on both dialects: exact to the second,
-- no driver-specific time parsing, and sortable.
CREATE TABLE movies (
	id              {{id}},
	title           TEXT NOT NULL,
	year            INTEGER NOT NULL DEFAULT 0,
	summary         TEXT NOT NULL DEFAULT '',
	poster          TEXT NOT NULL DEFAULT '',
	imdb_id         TEXT NOT NULL DEFAULT '',
	runtime         INTEGER NOT NULL DEFAULT 0,
	genres          TEXT NOT NULL DEFAULT '[]',
	rating          DOUBLE PRECISION NOT NULL DEFAULT 0,
	source          TEXT NOT NULL DEFAULT '',
	info_hash       TEXT NOT NULL UNIQUE,
	magnet          TEXT NOT NULL DEFAULT '',
	file_path       TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	last_watched_at BIGINT
);

CREATE INDEX movies_title ON movies (title, id);
CREATE INDEX movies_source ON movies (source);
