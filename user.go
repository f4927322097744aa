package hypertube

import (
	"context"
	"time"
)

// User is a person with an account.
type User struct {
	ID           int64
	Username     string
	Email        string
	FirstName    string
	LastName     string
	Language     string // preferred UI language, BCP 47 ("en", "fr", "es"); "" → not chosen
	PasswordHash string // argon2id PHC string; "" for accounts made through OAuth only
	Picture      string // file name of the picture under the data dir; "" → none
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Identity links a user to an account at an OAuth/OIDC provider.
type Identity struct {
	Provider      string // "42", "github", "google", or an OIDC issuer URL
	Subject       string // the provider's stable user id
	UserID        int64
	Email         string
	EmailVerified bool
	CreatedAt     time.Time
}

// UserFilter narrows FindUsers.
type UserFilter struct {
	UsernamePrefix string
	Offset, Limit  int
}

// UserService stores accounts. Uniqueness of Username and Email is
// case-insensitive; a clash is an ECONFLICT whose message names the field.
type UserService interface {
	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByLogin finds by username or email, case-insensitively.
	FindUserByLogin(ctx context.Context, login string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) ([]*User, int, error)
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, id int64) error
	CreateIdentity(ctx context.Context, id *Identity) error
	FindIdentity(ctx context.Context, provider, subject string) (*Identity, error)
}

// Session is a signed-in browser. Only a hash of its token is stored.
type Session struct {
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	IP         string
}

// SessionService stores sessions.
type SessionService interface {
	CreateSession(ctx context.Context, s *Session) error
	FindSession(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession slides the expiry of a session forward.
	TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions ends every session of a user but keepTokenHash's.
	DeleteUserSessions(ctx context.Context, userID int64, keepTokenHash string) error
}
