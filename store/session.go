package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// SessionService stores signed-in browsers.
type SessionService struct {
	db *DB
	// Now tells the time a session is compared with to know whether it has
	// expired; tests set a fake clock.
	Now func() time.Time
}

var _ hypertube.SessionService = (*SessionService)(nil)

// NewSessionService returns a SessionService backed by db, on the real clock.
func NewSessionService(db *DB) *SessionService { return &SessionService{db: db, Now: time.Now} }

const (
	maxTokenHashLen = 128
	maxUserAgentLen = 512
	maxIPLen        = 64
)

// CreateSession stores s. A zero CreatedAt means now, a zero LastSeenAt
// means CreatedAt. An unknown user is ENOTFOUND.
func (svc *SessionService) CreateSession(ctx context.Context, s *hypertube.Session) error {
	if s == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No session given.")
	}
	if err := validateTokenHash(s.TokenHash); err != nil {
		return err
	}
	if s.ExpiresAt.IsZero() {
		return hypertube.Errorf(hypertube.EINVALID, "A session needs an expiry time.")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = svc.Now()
	}
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	// The browser chooses its User-Agent: a long one is cut, not refused, so
	// that it cannot stop anyone from signing in.
	s.UserAgent = clean(s.UserAgent, maxUserAgentLen)
	if len(s.IP) > maxIPLen || !isPrintable(s.IP) {
		return hypertube.Errorf(hypertube.EINVALID, "The address %q is not an IP address.", s.IP)
	}
	// Stored to the second, like every time: give back what a read returns.
	s.CreatedAt = fromUnix(s.CreatedAt.Unix())
	s.LastSeenAt = fromUnix(s.LastSeenAt.Unix())
	s.ExpiresAt = fromUnix(s.ExpiresAt.Unix())
	_, err := svc.db.db.ExecContext(ctx, `
		INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		s.TokenHash, s.UserID, s.CreatedAt.Unix(), s.LastSeenAt.Unix(), s.ExpiresAt.Unix(), s.UserAgent, s.IP)
	switch {
	case svc.db.dialect.isForeignKeyViolation(err):
		return userNotFound(s.UserID)
	case svc.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "This session already exists.")
	case err != nil:
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// FindSession returns the session whose token hashes to tokenHash;
// ENOTFOUND when there is none or it has expired.
func (svc *SessionService) FindSession(ctx context.Context, tokenHash string) (*hypertube.Session, error) {
	var (
		s                      hypertube.Session
		created, seen, expires int64
	)
	err := svc.db.db.QueryRowContext(ctx, `
		SELECT token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, ip
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, svc.Now().Unix(),
	).Scan(&s.TokenHash, &s.UserID, &created, &seen, &expires, &s.UserAgent, &s.IP)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sessionNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("store: find session: %w", err)
	}
	s.CreatedAt = fromUnix(created)
	s.LastSeenAt = fromUnix(seen)
	s.ExpiresAt = fromUnix(expires)
	return &s, nil
}

// TouchSession records that a session was seen and slides its expiry. An
// expired session stays expired: ENOTFOUND.
func (svc *SessionService) TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error {
	res, err := svc.db.db.ExecContext(ctx, `
		UPDATE sessions SET last_seen_at = $1, expires_at = $2
		WHERE token_hash = $3 AND expires_at > $4`,
		seen.Unix(), expires.Unix(), tokenHash, svc.Now().Unix())
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, sessionNotFound())
	}
	return nil
}

// DeleteSession ends a session. Ending one that is already gone is not an
// error: signing out twice must not fail.
func (svc *SessionService) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := svc.db.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user but keepTokenHash's
// (all of them when it is ""), as after a change of password.
func (svc *SessionService) DeleteUserSessions(ctx context.Context, userID int64, keepTokenHash string) error {
	_, err := svc.db.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keepTokenHash)
	if err != nil {
		return fmt.Errorf("store: delete user sessions: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions expired at now and returns how
// many there were.
func (svc *SessionService) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := svc.db.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

func sessionNotFound() error {
	return hypertube.Errorf(hypertube.ENOTFOUND, "Your session has ended. Please sign in again.")
}

func validateTokenHash(h string) error {
	if h == "" || len(h) > maxTokenHashLen || !isPrintable(h) {
		return hypertube.Errorf(hypertube.EINVALID, "The token hash is missing or malformed.")
	}
	return nil
}

// clean drops the control characters and invalid UTF-8 of s, which
// PostgreSQL would refuse, and cuts it to at most n bytes.
func clean(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
