package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// OAuthClient is a third-party app a user registered on their profile. Only
// a hash of its secret is kept.
type OAuthClient struct {
	ID           int64
	ClientID     string // public identifier
	SecretHash   string
	UserID       int64 // the owner; client-credentials tokens act as them
	Name         string
	RedirectURIs []string // matched exactly by the authorization-code grant
	CreatedAt    time.Time
}

// OAuthCode is an authorization code waiting to be exchanged for tokens.
type OAuthCode struct {
	Hash          string
	ClientID      string
	UserID        int64
	RedirectURI   string
	CodeChallenge string // PKCE S256 challenge
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// OAuthToken is an access token and, for grants made by a person, the
// refresh token issued with it.
type OAuthToken struct {
	ID               int64
	AccessHash       string
	RefreshHash      string // "" when there is no refresh token
	ClientID         string
	UserID           int64
	Family           string // shared by every rotation of one grant
	RotatedFrom      int64  // the token this one replaced; 0 for the first
	CreatedAt        time.Time
	ExpiresAt        time.Time
	RefreshExpiresAt time.Time // zero when there is no refresh token
}

// OAuthService stores OAuth2 clients, codes and tokens.
type OAuthService struct {
	db *DB
}

// NewOAuthService returns an OAuthService backed by db.
func NewOAuthService(db *DB) *OAuthService { return &OAuthService{db: db} }

const (
	maxClientIDLen      = 64
	maxClientNameLen    = 100
	maxRedirectURIs     = 10
	maxRedirectURILen   = 2000
	maxCodeChallengeLen = 128
)

// CreateClient stores c and sets its ID and CreatedAt. An unknown user is
// ENOTFOUND; a client id in use is ECONFLICT.
func (s *OAuthService) CreateClient(ctx context.Context, c *OAuthClient) error {
	if c == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No app given.")
	}
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.ClientID == "" || len(c.ClientID) > maxClientIDLen || !isPrintable(c.ClientID):
		return hypertube.Errorf(hypertube.EINVALID, "The client id is missing or malformed.")
	case validateTokenHash(c.SecretHash) != nil:
		return hypertube.Errorf(hypertube.EINVALID, "The client secret hash is missing or malformed.")
	case c.Name == "" || utf8.RuneCountInString(c.Name) > maxClientNameLen || !isPrintable(c.Name):
		return hypertube.Errorf(hypertube.EINVALID, "An app needs a name of 1 to %d characters.", maxClientNameLen)
	case len(c.RedirectURIs) > maxRedirectURIs:
		return hypertube.Errorf(hypertube.EINVALID, "An app has at most %d redirect URIs.", maxRedirectURIs)
	}
	for _, u := range c.RedirectURIs {
		if u == "" || len(u) > maxRedirectURILen || !isPrintable(u) {
			return hypertube.Errorf(hypertube.EINVALID, "A redirect URI is 1 to %d printable characters.", maxRedirectURILen)
		}
	}
	uris := c.RedirectURIs
	if uris == nil {
		uris = []string{}
	}
	encoded, err := json.Marshal(uris)
	if err != nil {
		return err
	}
	now := time.Now().Unix()
	err = s.db.db.QueryRowContext(ctx, `
		INSERT INTO oauth_clients (client_id, secret_hash, user_id, name, redirect_uris, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.ClientID, c.SecretHash, c.UserID, c.Name, string(encoded), now,
	).Scan(&c.ID)
	switch {
	case s.db.dialect.isForeignKeyViolation(err):
		return userNotFound(c.UserID)
	case s.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "This client id is already taken.")
	case err != nil:
		return fmt.Errorf("store: create oauth client: %w", err)
	}
	c.RedirectURIs = uris
	c.CreatedAt = fromUnix(now)
	return nil
}

const clientColumns = `id, client_id, secret_hash, user_id, name, redirect_uris, created_at`

// FindClient returns the client with the given public id; ENOTFOUND when
// there is none or it was revoked.
func (s *OAuthService) FindClient(ctx context.Context, clientID string) (*OAuthClient, error) {
	row := s.db.db.QueryRowContext(ctx,
		`SELECT `+clientColumns+` FROM oauth_clients WHERE client_id = $1 AND revoked_at IS NULL`, clientID)
	c, err := scanClient(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientNotFound()
	}
	return c, err
}

// ListClients returns a user's clients that are not revoked, oldest first.
func (s *OAuthService) ListClients(ctx context.Context, userID int64) ([]*OAuthClient, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+clientColumns+` FROM oauth_clients
		WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: list oauth clients: %w", err)
	}
	defer rows.Close()
	out := []*OAuthClient{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list oauth clients: %w", err)
	}
	return out, nil
}

// RevokeClient revokes a client of userID with every code and token it
// holds. A client of someone else is ENOTFOUND, like a missing one, so that
// the answer does not tell which ids exist.
func (s *OAuthService) RevokeClient(ctx context.Context, userID int64, clientID string, at time.Time) error {
	found := false
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oauth_clients SET revoked_at = $1
			WHERE client_id = $2 AND user_id = $3 AND revoked_at IS NULL`, at.Unix(), clientID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		found = true
		if _, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = $1
			WHERE client_id = $2 AND revoked_at IS NULL`, at.Unix(), clientID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM oauth_codes WHERE client_id = $1`, clientID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: revoke oauth client: %w", err)
	}
	if !found {
		return clientNotFound()
	}
	return nil
}

// CreateCode stores an authorization code. An unknown client or user is
// ENOTFOUND.
func (s *OAuthService) CreateCode(ctx context.Context, c *OAuthCode) error {
	switch {
	case c == nil:
		return hypertube.Errorf(hypertube.EINVALID, "No code given.")
	case validateTokenHash(c.Hash) != nil:
		return hypertube.Errorf(hypertube.EINVALID, "The code hash is missing or malformed.")
	case c.CodeChallenge == "" || len(c.CodeChallenge) > maxCodeChallengeLen || !isPrintable(c.CodeChallenge):
		return hypertube.Errorf(hypertube.EINVALID, "The code challenge is missing or malformed.")
	case len(c.RedirectURI) > maxRedirectURILen || !isPrintable(c.RedirectURI):
		return hypertube.Errorf(hypertube.EINVALID, "The redirect URI is malformed.")
	case c.ExpiresAt.IsZero():
		return hypertube.Errorf(hypertube.EINVALID, "A code needs an expiry time.")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	c.CreatedAt = fromUnix(c.CreatedAt.Unix())
	c.ExpiresAt = fromUnix(c.ExpiresAt.Unix())
	_, err := s.db.db.ExecContext(ctx, `
		INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.Hash, c.ClientID, c.UserID, c.RedirectURI, c.CodeChallenge, c.CreatedAt.Unix(), c.ExpiresAt.Unix())
	switch {
	case s.db.dialect.isForeignKeyViolation(err):
		return hypertube.Errorf(hypertube.ENOTFOUND, "The app or the account does not exist.")
	case s.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "This code already exists.")
	case err != nil:
		return fmt.Errorf("store: create oauth code: %w", err)
	}
	return nil
}

// ConsumeCode uses up the code that hashes to hash and returns it. It
// succeeds once: a code unknown, used or expired at now is ENOTFOUND. The
// check and the marking are one statement, so two racing exchanges cannot
// both win.
func (s *OAuthService) ConsumeCode(ctx context.Context, hash string, now time.Time) (*OAuthCode, error) {
	var (
		c                OAuthCode
		created, expires int64
	)
	err := s.db.db.QueryRowContext(ctx, `
		UPDATE oauth_codes SET used_at = $2
		WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING code_hash, client_id, user_id, redirect_uri, code_challenge, created_at, expires_at`,
		hash, now.Unix(),
	).Scan(&c.Hash, &c.ClientID, &c.UserID, &c.RedirectURI, &c.CodeChallenge, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "The authorization code is unknown, expired or already used.")
	}
	if err != nil {
		return nil, fmt.Errorf("store: consume oauth code: %w", err)
	}
	c.CreatedAt = fromUnix(created)
	c.ExpiresAt = fromUnix(expires)
	return &c, nil
}

// CreateToken stores t and sets its ID. An empty Family starts a new one.
func (s *OAuthService) CreateToken(ctx context.Context, t *OAuthToken) error {
	if t == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No token given.")
	}
	return s.insertToken(ctx, s.db.db, t)
}

type execQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *OAuthService) insertToken(ctx context.Context, q execQuerier, t *OAuthToken) error {
	switch {
	case validateTokenHash(t.AccessHash) != nil:
		return hypertube.Errorf(hypertube.EINVALID, "The access token hash is missing or malformed.")
	case t.RefreshHash != "" && validateTokenHash(t.RefreshHash) != nil:
		return hypertube.Errorf(hypertube.EINVALID, "The refresh token hash is malformed.")
	case t.RefreshHash != "" && t.RefreshExpiresAt.IsZero():
		return hypertube.Errorf(hypertube.EINVALID, "A refresh token needs an expiry time.")
	case t.ExpiresAt.IsZero():
		return hypertube.Errorf(hypertube.EINVALID, "A token needs an expiry time.")
	}
	if t.Family == "" {
		t.Family = t.AccessHash
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = fromUnix(t.CreatedAt.Unix())
	t.ExpiresAt = fromUnix(t.ExpiresAt.Unix())
	var (
		refresh        sql.NullString
		refreshExpires sql.NullInt64
		rotatedFrom    sql.NullInt64
	)
	if t.RefreshHash != "" {
		t.RefreshExpiresAt = fromUnix(t.RefreshExpiresAt.Unix())
		refresh = sql.NullString{String: t.RefreshHash, Valid: true}
		refreshExpires = sql.NullInt64{Int64: t.RefreshExpiresAt.Unix(), Valid: true}
	} else {
		t.RefreshExpiresAt = time.Time{}
	}
	if t.RotatedFrom != 0 {
		rotatedFrom = sql.NullInt64{Int64: t.RotatedFrom, Valid: true}
	}
	err := q.QueryRowContext(ctx, `
		INSERT INTO oauth_tokens (access_hash, refresh_hash, client_id, user_id, family, rotated_from,
			created_at, expires_at, refresh_expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		t.AccessHash, refresh, t.ClientID, t.UserID, t.Family, rotatedFrom,
		t.CreatedAt.Unix(), t.ExpiresAt.Unix(), refreshExpires,
	).Scan(&t.ID)
	switch {
	case s.db.dialect.isForeignKeyViolation(err):
		return hypertube.Errorf(hypertube.ENOTFOUND, "The app or the account does not exist.")
	case s.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "This token already exists.")
	case err != nil:
		return fmt.Errorf("store: create oauth token: %w", err)
	}
	return nil
}

const tokenColumns = `t.id, t.access_hash, t.refresh_hash, t.client_id, t.user_id, t.family, t.rotated_from,
	t.created_at, t.expires_at, t.refresh_expires_at`

// FindAccessToken returns the token whose access token hashes to hash;
// ENOTFOUND when it is unknown, expired at now, revoked, or its client was.
func (s *OAuthService) FindAccessToken(ctx context.Context, hash string, now time.Time) (*OAuthToken, error) {
	row := s.db.db.QueryRowContext(ctx, `SELECT `+tokenColumns+`
		FROM oauth_tokens t JOIN oauth_clients c ON c.client_id = t.client_id
		WHERE t.access_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND c.revoked_at IS NULL`,
		hash, now.Unix())
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "The access token is unknown, expired or revoked.")
	}
	return t, err
}

// RotateRefreshToken trades the refresh token that hashes to refreshHash,
// issued to clientID, for next: the old token is revoked and next joins its
// family, with its user. A token unknown, of another client, expired or
// revoked is ENOTFOUND; one that was already rotated is EFORBIDDEN and
// revokes its whole family, since either the app or a thief holds a copy.
func (s *OAuthService) RotateRefreshToken(ctx context.Context, refreshHash, clientID string, next *OAuthToken, now time.Time) error {
	if next == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No token given.")
	}
	unknown := hypertube.Errorf(hypertube.ENOTFOUND, "The refresh token is unknown, expired or revoked.")
	var reused bool
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var (
			id, userID          int64
			owner, family       string
			refreshExpires      sql.NullInt64
			revoked, clientGone sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `
			SELECT t.id, t.client_id, t.user_id, t.family, t.refresh_expires_at, t.revoked_at, c.revoked_at
			FROM oauth_tokens t JOIN oauth_clients c ON c.client_id = t.client_id
			WHERE t.refresh_hash = $1`, refreshHash,
		).Scan(&id, &owner, &userID, &family, &refreshExpires, &revoked, &clientGone)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != clientID) {
			return unknown
		}
		if err != nil {
			return err
		}
		if clientGone.Valid || !refreshExpires.Valid || refreshExpires.Int64 <= now.Unix() {
			return unknown
		}
		if !revoked.Valid {
			// Conditional, so that of two requests racing with the same
			// token only one rotates it; the other sees a reuse.
			res, err := tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = $1
				WHERE id = $2 AND revoked_at IS NULL`, now.Unix(), id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				next.ClientID, next.UserID, next.Family, next.RotatedFrom = clientID, userID, family, id
				if next.CreatedAt.IsZero() {
					next.CreatedAt = now
				}
				return s.insertToken(ctx, tx, next)
			}
		}
		var successors int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM oauth_tokens WHERE rotated_from = $1`, id).Scan(&successors); err != nil {
			return err
		}
		if successors == 0 && revoked.Valid {
			return unknown // revoked by its owner, not rotated
		}
		reused = true
		_, err = tx.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = $1
			WHERE family = $2 AND revoked_at IS NULL`, now.Unix(), family)
		return err
	})
	if err != nil {
		if hypertube.ErrorCode(err) != hypertube.EINTERNAL {
			return err
		}
		return fmt.Errorf("store: rotate refresh token: %w", err)
	}
	if reused {
		return hypertube.Errorf(hypertube.EFORBIDDEN,
			"This refresh token was already used, so every token of its grant is now revoked. Please authorize the app again.")
	}
	return nil
}

// RevokeToken revokes, with its whole family, the token of clientID whose
// access or refresh token hashes to hash. An unknown token is not an error
// (RFC 7009 §2.2): the caller cannot tell which tokens exist.
func (s *OAuthService) RevokeToken(ctx context.Context, hash, clientID string, at time.Time) error {
	_, err := s.db.db.ExecContext(ctx, `UPDATE oauth_tokens SET revoked_at = $1
		WHERE revoked_at IS NULL AND family IN (
			SELECT family FROM oauth_tokens
			WHERE (access_hash = $2 OR refresh_hash = $2) AND client_id = $3)`,
		at.Unix(), hash, clientID)
	if err != nil {
		return fmt.Errorf("store: revoke oauth token: %w", err)
	}
	return nil
}

// DeleteExpiredOAuth removes codes and tokens that can no longer be used at
// now, and returns how many rows went.
func (s *OAuthService) DeleteExpiredOAuth(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM oauth_codes WHERE expires_at <= $1`,
			// A rotated or revoked token is kept until its refresh expiry,
			// so that a late reuse is still recognised as one.
			`DELETE FROM oauth_tokens WHERE expires_at <= $1 AND (refresh_expires_at IS NULL OR refresh_expires_at <= $1)`,
		} {
			res, err := tx.ExecContext(ctx, q, now.Unix())
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete expired oauth rows: %w", err)
	}
	return total, nil
}

func clientNotFound() error {
	return hypertube.Errorf(hypertube.ENOTFOUND, "There is no such app, or it was revoked.")
}

func scanClient(row scanner) (*OAuthClient, error) {
	var (
		c       OAuthClient
		uris    string
		created int64
	)
	if err := row.Scan(&c.ID, &c.ClientID, &c.SecretHash, &c.UserID, &c.Name, &uris, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return nil, fmt.Errorf("store: oauth client %d has malformed redirect URIs: %w", c.ID, err)
	}
	c.CreatedAt = fromUnix(created)
	return &c, nil
}

func scanToken(row scanner) (*OAuthToken, error) {
	var (
		t                       OAuthToken
		refresh                 sql.NullString
		rotated, refreshExpires sql.NullInt64
		created, expires        int64
	)
	err := row.Scan(&t.ID, &t.AccessHash, &refresh, &t.ClientID, &t.UserID, &t.Family, &rotated,
		&created, &expires, &refreshExpires)
	if err != nil {
		return nil, err
	}
	t.RefreshHash = refresh.String
	t.RotatedFrom = rotated.Int64
	t.CreatedAt = fromUnix(created)
	t.ExpiresAt = fromUnix(expires)
	t.RefreshExpiresAt = fromNullUnix(refreshExpires)
	return &t, nil
}
