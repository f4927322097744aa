-- Accounts. username_key and email_key hold the lowercased username and
-- email, so that uniqueness and look-ups ignore case on both dialects
-- (SQLite's LOWER and NOCASE only fold ASCII). The UNIQUE constraints keep
-- PostgreSQL's default names, users_username_key_key and users_email_key_key,
-- which dialect.violatesUnique relies on to tell which field clashed.
CREATE TABLE users (
	id            {{id}},
	username      TEXT NOT NULL,
	username_key  TEXT NOT NULL UNIQUE,
	email         TEXT NOT NULL,
	email_key     TEXT NOT NULL UNIQUE,
	first_name    TEXT NOT NULL DEFAULT '',
	last_name     TEXT NOT NULL DEFAULT '',
	language      TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL DEFAULT '',
	picture       TEXT NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);

-- Everything below belongs to one user and goes with them: ON DELETE
-- CASCADE (SQLite enforces foreign keys: store.Open turns them on).
CREATE TABLE identities (
	provider       TEXT NOT NULL,
	subject        TEXT NOT NULL,
	user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	email          TEXT NOT NULL DEFAULT '',
	email_verified BOOLEAN NOT NULL DEFAULT FALSE,
	created_at     BIGINT NOT NULL,
	PRIMARY KEY (provider, subject)
);
CREATE INDEX identities_user ON identities (user_id);

-- Only a hash of a session token is stored, so that a copy of the database
-- does not sign anyone in.
CREATE TABLE sessions (
	token_hash   TEXT PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	user_agent   TEXT NOT NULL DEFAULT '',
	ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE reset_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at    BIGINT
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);

CREATE TABLE watches (
	user_id          BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	movie_id         BIGINT NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
	position_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
	duration_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
	watched_at       BIGINT NOT NULL,
	PRIMARY KEY (user_id, movie_id)
);
CREATE INDEX watches_user_time ON watches (user_id, watched_at);
CREATE INDEX watches_movie ON watches (movie_id);
