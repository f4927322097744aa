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

// CommentService stores viewers' comments on films. Who may edit or delete
// a comment is for the caller to decide.
type CommentService struct {
	db *DB
	// Now stamps CreatedAt and UpdatedAt; tests replace it.
	Now func() time.Time
}

var _ hypertube.CommentService = (*CommentService)(nil)

// NewCommentService returns a CommentService backed by db.
func NewCommentService(db *DB) *CommentService { return &CommentService{db: db, Now: time.Now} }

const (
	defaultCommentLimit = 20
	maxCommentLimit     = 100
)

// The author's name comes from users; a deleted account leaves user_id
// NULL and no name.
const commentSelect = `
	SELECT c.id, c.movie_id, c.user_id, COALESCE(u.username, ''), c.body, c.created_at, c.updated_at
	FROM comments c LEFT JOIN users u ON u.id = c.user_id`

// CreateComment stores c, written by c.UserID on film c.MovieID, and sets
// its ID, times, author's name and normalised body. ENOTFOUND when the film
// or the account does not exist.
func (s *CommentService) CreateComment(ctx context.Context, c *hypertube.Comment) error {
	if c == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No comment given.")
	}
	body, err := commentBody(c.Body)
	if err != nil {
		return err
	}
	if c.UserID <= 0 {
		return hypertube.Errorf(hypertube.EINVALID, "A comment needs an author.")
	}
	now := s.Now().Unix()
	var id int64
	err = s.db.db.QueryRowContext(ctx, `
		INSERT INTO comments (movie_id, user_id, body, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		c.MovieID, c.UserID, body, now).Scan(&id)
	switch {
	case s.db.dialect.isForeignKeyViolation(err):
		return hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d or no account number %d.", c.MovieID, c.UserID)
	case err != nil:
		return fmt.Errorf("store: create comment: %w", err)
	}
	stored, err := s.FindCommentByID(ctx, id)
	if err != nil {
		return err
	}
	*c = *stored
	return nil
}

// FindCommentByID returns a comment, ENOTFOUND if there is none.
func (s *CommentService) FindCommentByID(ctx context.Context, id int64) (*hypertube.Comment, error) {
	c, err := scanComment(s.db.db.QueryRowContext(ctx, commentSelect+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, commentNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: find comment: %w", err)
	}
	return c, nil
}

// FindComments returns comments newest first: those of f.MovieID and of
// f.UserID when they are set, older than the comment f.Before when it is
// set (the cursor of the next page is the last ID of a page). Limit 0 means
// 20, and never more than 100.
func (s *CommentService) FindComments(ctx context.Context, f hypertube.CommentFilter) ([]*hypertube.Comment, error) {
	limit := f.Limit
	switch {
	case limit < 0 || f.Before < 0:
		return nil, hypertube.Errorf(hypertube.EINVALID, "A page of comments cannot have a negative size or cursor.")
	case limit == 0:
		limit = defaultCommentLimit
	case limit > maxCommentLimit:
		limit = maxCommentLimit
	}
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.MovieID != 0 {
		add("c.movie_id = $%d", f.MovieID)
	}
	if f.UserID != 0 {
		add("c.user_id = $%d", f.UserID)
	}
	if f.Before > 0 {
		add("c.id < $%d", f.Before)
	}
	query := commentSelect
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += fmt.Sprintf(" ORDER BY c.id DESC LIMIT $%d", len(args))

	rows, err := s.db.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: find comments: %w", err)
	}
	defer rows.Close()
	comments := []*hypertube.Comment{}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, fmt.Errorf("store: find comments: %w", err)
		}
		comments = append(comments, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: find comments: %w", err)
	}
	return comments, nil
}

// CountComments returns how many comments a film has.
func (s *CommentService) CountComments(ctx context.Context, movieID int64) (int, error) {
	var n int
	err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM comments WHERE movie_id = $1`, movieID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count comments: %w", err)
	}
	return n, nil
}

// UpdateComment replaces the body of comment c.ID, stamps UpdatedAt, and
// fills c with what is stored. Only the body can change.
func (s *CommentService) UpdateComment(ctx context.Context, c *hypertube.Comment) error {
	if c == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No comment given.")
	}
	body, err := commentBody(c.Body)
	if err != nil {
		return err
	}
	res, err := s.db.db.ExecContext(ctx, `UPDATE comments SET body = $1, updated_at = $2 WHERE id = $3`,
		body, s.Now().Unix(), c.ID)
	if err != nil {
		return fmt.Errorf("store: update comment: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, commentNotFound(c.ID))
	}
	stored, err := s.FindCommentByID(ctx, c.ID)
	if err != nil {
		return err
	}
	*c = *stored
	return nil
}

// DeleteComment removes a comment, ENOTFOUND if there is none.
func (s *CommentService) DeleteComment(ctx context.Context, id int64) error {
	res, err := s.db.db.ExecContext(ctx, `DELETE FROM comments WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete comment: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, commentNotFound(id))
	}
	return nil
}

// commentBody returns body trimmed, with browsers' CRLF line ends (forms
// send textareas so) made LF, or EINVALID with the reason.
func commentBody(body string) (string, error) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r", "\n"))
	switch {
	case !utf8.ValidString(body):
		return "", hypertube.Errorf(hypertube.EINVALID, "This comment is not valid text.")
	case body == "":
		return "", hypertube.Errorf(hypertube.EINVALID, "A comment cannot be empty.")
	case utf8.RuneCountInString(body) > hypertube.MaxCommentLength:
		return "", hypertube.Errorf(hypertube.EINVALID, "A comment is %d characters at most; this one has %d.",
			hypertube.MaxCommentLength, utf8.RuneCountInString(body))
	}
	for _, r := range body {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return "", hypertube.Errorf(hypertube.EINVALID, "A comment cannot contain control characters (%U).", r)
		}
	}
	return body, nil
}

func scanComment(row scanner) (*hypertube.Comment, error) {
	var (
		c                hypertube.Comment
		userID           sql.NullInt64
		created, updated int64
	)
	if err := row.Scan(&c.ID, &c.MovieID, &userID, &c.Username, &c.Body, &created, &updated); err != nil {
		return nil, err
	}
	c.UserID = userID.Int64 // 0 once the account is gone
	c.CreatedAt = fromUnix(created)
	c.UpdatedAt = fromUnix(updated)
	return &c, nil
}

func commentNotFound(id int64) error {
	return hypertube.Errorf(hypertube.ENOTFOUND, "There is no comment number %d.", id)
}
