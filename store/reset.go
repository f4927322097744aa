package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hypertube/hypertube"
)

// ResetService stores password-reset tokens. Only a hash of each token is
// stored, as for sessions.
type ResetService struct {
	db *DB
}

// NewResetService returns a ResetService backed by db.
func NewResetService(db *DB) *ResetService { return &ResetService{db: db} }

// CreateResetToken stores a token for userID that works until expires.
// Tokens the user was sent before stop working: only the newest link in
// their mailbox resets the password. An unknown user is ENOTFOUND.
func (s *ResetService) CreateResetToken(ctx context.Context, userID int64, tokenHash string, expires time.Time) error {
	if err := validateTokenHash(tokenHash); err != nil {
		return err
	}
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		// Used and expired tokens go too, so that the table holds at most
		// one row per user.
		if _, err := tx.ExecContext(ctx, `DELETE FROM reset_tokens WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO reset_tokens (token_hash, user_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4)`, tokenHash, userID, time.Now().Unix(), expires.Unix())
		return err
	})
	switch {
	case s.db.dialect.isForeignKeyViolation(err):
		return userNotFound(userID)
	case s.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "This reset token already exists.")
	case err != nil:
		return fmt.Errorf("store: create reset token: %w", err)
	}
	return nil
}

// ConsumeResetToken uses up the token that hashes to tokenHash and returns
// its user. It succeeds once: a token unknown, already used or expired at
// now is ENOTFOUND. The check and the marking are one statement, so two
// requests racing with the same link cannot both win.
func (s *ResetService) ConsumeResetToken(ctx context.Context, tokenHash string, now time.Time) (int64, error) {
	var userID int64
	err := s.db.db.QueryRowContext(ctx, `
		UPDATE reset_tokens SET used_at = $2
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING user_id`, tokenHash, now.Unix(),
	).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, hypertube.Errorf(hypertube.ENOTFOUND, "This link has expired or was already used. Ask for a new one.")
	}
	if err != nil {
		return 0, fmt.Errorf("store: consume reset token: %w", err)
	}
	return userID, nil
}
