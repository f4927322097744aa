-- OAuth2 for third-party apps. Secrets, codes and tokens are high-entropy
-- random strings, stored only as their SHA-256 so that a copy of the
-- database lets nobody in. Rows go with their user and their client.
CREATE TABLE oauth_clients (
	id            {{id}},
	client_id     TEXT NOT NULL UNIQUE,
	secret_hash   TEXT NOT NULL,
	user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	redirect_uris TEXT NOT NULL DEFAULT '[]', -- JSON array of exact URIs
	created_at    BIGINT NOT NULL,
	revoked_at    BIGINT
);
CREATE INDEX oauth_clients_user ON oauth_clients (user_id);

CREATE TABLE oauth_codes (
	code_hash      TEXT PRIMARY KEY,
	client_id      TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
	user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	redirect_uri   TEXT NOT NULL,
	code_challenge TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	expires_at     BIGINT NOT NULL,
	used_at        BIGINT
);
CREATE INDEX oauth_codes_client ON oauth_codes (client_id);
CREATE INDEX oauth_codes_user ON oauth_codes (user_id);

-- A grant's refresh tokens form a family: each rotation makes a row whose
-- rotated_from is the row it replaced, and all share the family of the
-- first. Presenting a rotated refresh token again revokes the family.
CREATE TABLE oauth_tokens (
	id                 {{id}},
	access_hash        TEXT NOT NULL UNIQUE,
	refresh_hash       TEXT UNIQUE,
	client_id          TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
	user_id            BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	family             TEXT NOT NULL,
	rotated_from       BIGINT,
	created_at         BIGINT NOT NULL,
	expires_at         BIGINT NOT NULL,
	refresh_expires_at BIGINT,
	revoked_at         BIGINT
);
CREATE INDEX oauth_tokens_client ON oauth_tokens (client_id);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id);
CREATE INDEX oauth_tokens_family ON oauth_tokens (family);
