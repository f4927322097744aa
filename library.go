package hypertube

import (
	"context"
	"time"
)

// Release is one torrent of a film, as a catalog source lists it.
type Release struct {
	ID         int64
	MovieID    int64
	Name       string // the release name, e.g. "Sintel.2010.1080p.x264"
	InfoHash   string // hex, lowercase
	Magnet     string
	TorrentURL string
	Size       int64
	Seeders    int
	Peers      int
	Quality    string // 720p, 1080p, …
	Codec      string // x264, x265, …
	Source     string // the catalog provider that listed it
	UpdatedAt  time.Time
}

// ReleaseService stores the releases of films.
type ReleaseService interface {
	// SetReleases replaces the releases a source lists for a film.
	SetReleases(ctx context.Context, movieID int64, source string, releases []Release) error
	ListReleases(ctx context.Context, movieID int64) ([]Release, error)
}

// Comment is a viewer's comment on a film. UserID is 0 and Username empty
// once the author has deleted their account.
type Comment struct {
	ID        int64
	MovieID   int64
	UserID    int64
	Username  string // of the author, filled in by reads
	Body      string // plain text; never HTML
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CommentFilter narrows FindComments: newest first, Before is an exclusive
// cursor on ID (0 → from the newest).
type CommentFilter struct {
	MovieID int64
	UserID  int64
	Before  int64
	Limit   int
}

// MaxCommentLength is the longest comment body, in characters.
const MaxCommentLength = 2000

// CommentService stores comments.
type CommentService interface {
	CreateComment(ctx context.Context, c *Comment) error
	FindCommentByID(ctx context.Context, id int64) (*Comment, error)
	FindComments(ctx context.Context, f CommentFilter) ([]*Comment, error)
	CountComments(ctx context.Context, movieID int64) (int, error)
	UpdateComment(ctx context.Context, c *Comment) error
	DeleteComment(ctx context.Context, id int64) error
}
