package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hypertube/hypertube"
)

// UserService stores accounts and the sign-in identities linked to them.
type UserService struct {
	db *DB
}

var _ hypertube.UserService = (*UserService)(nil)

// NewUserService returns a UserService backed by db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const (
	defaultUserLimit = 20
	maxUserLimit     = 100
)

const userColumns = `id, username, email, first_name, last_name, language, password_hash, picture,
	created_at, updated_at`

// FindUserByID returns the account with the given id, ENOTFOUND if none.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*hypertube.User, error) {
	row := s.db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userNotFound(id)
	}
	return u, err
}

// FindUserByLogin returns the account whose username or email address is
// login, ignoring case. Usernames cannot hold "@", so the two never clash.
func (s *UserService) FindUserByLogin(ctx context.Context, login string) (*hypertube.User, error) {
	key := foldKey(login)
	if key == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "Please enter your username or email address.")
	}
	row := s.db.db.QueryRowContext(ctx,
		`SELECT `+userColumns+` FROM users WHERE username_key = $1 OR email_key = $1`, key)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No account has this username or email address.")
	}
	return u, err
}

// FindUsers returns one page of the accounts whose username starts with
// f.UsernamePrefix (ignoring case), ordered by username, and how many match
// in all.
func (s *UserService) FindUsers(ctx context.Context, f hypertube.UserFilter) ([]*hypertube.User, int, error) {
	if f.Offset < 0 || f.Limit < 0 {
		return nil, 0, hypertube.Errorf(hypertube.EINVALID, "Page offset and size cannot be negative.")
	}
	limit := f.Limit
	switch {
	case limit == 0:
		limit = defaultUserLimit
	case limit > maxUserLimit:
		limit = maxUserLimit
	}
	// Both sides are lowercase already, so SQLite's case-insensitive LIKE
	// and PostgreSQL's case-sensitive one agree.
	pattern := escapeLike(foldKey(f.UsernamePrefix)) + "%"
	const cond = ` FROM users WHERE username_key LIKE $1 ESCAPE '\'`

	var total int
	if err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*)`+cond, pattern).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count users: %w", err)
	}
	rows, err := s.db.db.QueryContext(ctx,
		`SELECT `+userColumns+cond+` ORDER BY `+s.db.dialect.byUsername+` LIMIT $2 OFFSET $3`,
		pattern, limit, f.Offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: find users: %w", err)
	}
	defer rows.Close()
	users := []*hypertube.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: find users: %w", err)
	}
	return users, total, nil
}

// CreateUser inserts u and sets its ID and times. A username or email
// address already in use, in any case, is a *FieldError with code
// ECONFLICT; an invalid field is one with code EINVALID.
func (s *UserService) CreateUser(ctx context.Context, u *hypertube.User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	now := time.Now().Unix()
	var id int64
	err := s.db.db.QueryRowContext(ctx, `
		INSERT INTO users (username, username_key, email, email_key, first_name, last_name,
			language, password_hash, picture, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		RETURNING id`,
		u.Username, foldKey(u.Username), u.Email, foldKey(u.Email), u.FirstName, u.LastName,
		u.Language, u.PasswordHash, u.Picture, now,
	).Scan(&id)
	if err != nil {
		return s.userWriteError(ctx, "create", u.Username, 0, err)
	}
	u.ID = id
	u.CreatedAt = fromUnix(now)
	u.UpdatedAt = u.CreatedAt
	return nil
}

// UpdateUser saves every field of u but its ID and CreatedAt, and sets
// UpdatedAt. Clashes and invalid fields are reported as by CreateUser.
func (s *UserService) UpdateUser(ctx context.Context, u *hypertube.User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	now := time.Now().Unix()
	var created int64
	err := s.db.db.QueryRowContext(ctx, `
		UPDATE users SET username = $1, username_key = $2, email = $3, email_key = $4,
			first_name = $5, last_name = $6, language = $7, password_hash = $8, picture = $9,
			updated_at = $10
		WHERE id = $11
		RETURNING created_at`,
		u.Username, foldKey(u.Username), u.Email, foldKey(u.Email), u.FirstName, u.LastName,
		u.Language, u.PasswordHash, u.Picture, now, u.ID,
	).Scan(&created)
	if errors.Is(err, sql.ErrNoRows) {
		return userNotFound(u.ID)
	}
	if err != nil {
		return s.userWriteError(ctx, "update", u.Username, u.ID, err)
	}
	u.CreatedAt = fromUnix(created)
	u.UpdatedAt = fromUnix(now)
	return nil
}

// DeleteUser removes an account with its identities, sessions, reset
// tokens and watches; ENOTFOUND if there is none.
func (s *UserService) DeleteUser(ctx context.Context, id int64) error {
	res, err := s.db.db.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete user: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return userNotFound(id)
	}
	return nil
}

// CreateIdentity links an account at a provider to a user and sets the
// identity's CreatedAt. A provider account already linked is ECONFLICT; an
// unknown user is ENOTFOUND.
func (s *UserService) CreateIdentity(ctx context.Context, id *hypertube.Identity) error {
	if id == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No identity given.")
	}
	switch {
	case id.Provider == "" || len(id.Provider) > maxProviderLen || !isPrintable(id.Provider):
		return hypertube.Errorf(hypertube.EINVALID, "The sign-in provider's name is missing or malformed.")
	case id.Subject == "" || len(id.Subject) > maxSubjectLen || !isPrintable(id.Subject):
		return hypertube.Errorf(hypertube.EINVALID, "The sign-in provider gave a missing or malformed account id.")
	case len(id.Email) > maxIdentityEmailLen || !isPrintable(id.Email):
		return hypertube.Errorf(hypertube.EINVALID, "The sign-in provider gave a malformed email address.")
	}
	now := time.Now().Unix()
	_, err := s.db.db.ExecContext(ctx, `
		INSERT INTO identities (provider, subject, user_id, email, email_verified, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		id.Provider, id.Subject, id.UserID, id.Email, id.EmailVerified, now)
	switch {
	case s.db.dialect.isUniqueViolation(err):
		return hypertube.Errorf(hypertube.ECONFLICT, "This account at %s is already linked to a Hypertube account.", id.Provider)
	case s.db.dialect.isForeignKeyViolation(err):
		return userNotFound(id.UserID)
	case err != nil:
		return fmt.Errorf("store: create identity: %w", err)
	}
	id.CreatedAt = fromUnix(now)
	return nil
}

// FindIdentity returns the link of a provider's account, ENOTFOUND if none.
func (s *UserService) FindIdentity(ctx context.Context, provider, subject string) (*hypertube.Identity, error) {
	var (
		id      hypertube.Identity
		created int64
	)
	err := s.db.db.QueryRowContext(ctx, `
		SELECT provider, subject, user_id, email, email_verified, created_at
		FROM identities WHERE provider = $1 AND subject = $2`, provider, subject,
	).Scan(&id.Provider, &id.Subject, &id.UserID, &id.Email, &id.EmailVerified, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "This account at %s is not linked to any Hypertube account.", provider)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find identity: %w", err)
	}
	id.CreatedAt = fromUnix(created)
	return &id, nil
}

// userWriteError turns a clash on username or email into a FieldError.
// When both clash, the databases disagree on which they report: the
// username, first on the form, is then named on both.
func (s *UserService) userWriteError(ctx context.Context, op, username string, id int64, err error) error {
	taken := s.db.dialect.violatesUnique(err, "users", "username_key")
	if !taken && s.db.dialect.violatesUnique(err, "users", "email_key") {
		var n int
		qerr := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username_key = $1 AND id <> $2`,
			foldKey(username), id).Scan(&n)
		if qerr == nil && n > 0 {
			taken = true
		} else {
			return fieldError(hypertube.ECONFLICT, FieldEmail, KeyEmailTaken)
		}
	}
	if taken {
		return fieldError(hypertube.ECONFLICT, FieldUsername, KeyUsernameTaken)
	}
	return fmt.Errorf("store: %s user: %w", op, err)
}

func userNotFound(id int64) error {
	return hypertube.Errorf(hypertube.ENOTFOUND, "There is no account number %d.", id)
}

func scanUser(row scanner) (*hypertube.User, error) {
	var (
		u                hypertube.User
		created, updated int64
	)
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.Language,
		&u.PasswordHash, &u.Picture, &created, &updated)
	if err != nil {
		return nil, err
	}
	u.CreatedAt = fromUnix(created)
	u.UpdatedAt = fromUnix(updated)
	return &u, nil
}
