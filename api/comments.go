package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

type commentJSON struct {
	ID             int64   `json:"id"`
	MovieID        int64   `json:"movie_id"`
	AuthorID       *int64  `json:"author_id"`       // null once the author deleted their account
	AuthorUsername *string `json:"author_username"` // likewise
	Content        string  `json:"content"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

func toCommentJSON(c *hypertube.Comment) commentJSON {
	j := commentJSON{ID: c.ID, MovieID: c.MovieID, Content: c.Body,
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: c.UpdatedAt.UTC().Format(time.RFC3339)}
	if c.UserID != 0 {
		id, name := c.UserID, c.Username
		j.AuthorID, j.AuthorUsername = &id, &name
	}
	return j
}

// commentBody is what POST and PATCH accept. MovieID is needed by POST
// /api/comments only.
type commentBody struct {
	Comment *string `json:"comment"`
	MovieID *int64  `json:"movie_id"`
}

// checkComment trims a comment and says what is wrong with it, if anything.
func checkComment(s *string) (string, string) {
	if s == nil {
		return "", "Write a comment in the field \"comment\"."
	}
	body := strings.TrimSpace(*s)
	switch {
	case body == "":
		return "", "A comment cannot be empty."
	case utf8.RuneCountInString(body) > hypertube.MaxCommentLength:
		return "", "A comment is " + strconv.Itoa(hypertube.MaxCommentLength) + " characters at most."
	case strings.ContainsFunc(body, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return "", "A comment cannot contain control characters."
	}
	return body, ""
}

func (h *handler) listComments(w http.ResponseWriter, r *http.Request, movieID int64) {
	limit, before, err := pageParams(r, 'c')
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.Comments.FindComments(r.Context(), hypertube.CommentFilter{MovieID: movieID, Before: before, Limit: limit})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]commentJSON, 0, len(list))
	for _, c := range list {
		items = append(items, toCommentJSON(c))
	}
	// A full page may be followed by an empty one; asking the store for one
	// more row would not work where it caps the page size.
	next := ""
	if len(list) == limit {
		next = nextURL(r, 'c', list[len(list)-1].ID)
	}
	h.writePage(w, r, items, next)
}

// handleLatestComments lists the newest comments of every film.
func (h *handler) handleLatestComments(w http.ResponseWriter, r *http.Request, _ *hypertube.User) {
	h.listComments(w, r, 0)
}

func (h *handler) handleMovieComments(w http.ResponseWriter, r *http.Request, _ *hypertube.User) {
	m, ok := h.findMovie(w, r)
	if !ok {
		return
	}
	h.listComments(w, r, m.ID)
}

func (h *handler) handleGetComment(w http.ResponseWriter, r *http.Request, _ *hypertube.User) {
	c, ok := h.findComment(w, r)
	if !ok {
		return
	}
	h.writeJSON(w, r, http.StatusOK, toCommentJSON(c))
}

func (h *handler) findComment(w http.ResponseWriter, r *http.Request) (*hypertube.Comment, bool) {
	id, err := pathID(r)
	if err == nil {
		var c *hypertube.Comment
		if c, err = h.Comments.FindCommentByID(r.Context(), id); err == nil {
			return c, true
		}
	}
	h.fail(w, r, err)
	return nil, false
}

// handlePostComment is POST /api/comments, with the film in the body.
func (h *handler) handlePostComment(w http.ResponseWriter, r *http.Request, u *hypertube.User) {
	var b commentBody
	if !h.decodeJSON(w, r, &b) {
		return
	}
	fields := validationError{}
	body, msg := checkComment(b.Comment)
	if msg != "" {
		fields["comment"] = msg
	}
	var movie *hypertube.Movie
	if b.MovieID == nil || *b.MovieID <= 0 {
		fields["movie_id"] = "Give the id of the film in the field \"movie_id\"."
	} else if m, err := h.Movies.FindMovieByID(r.Context(), *b.MovieID); hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
		fields["movie_id"] = hypertube.ErrorMessage(err)
	} else if err != nil {
		h.fail(w, r, err)
		return
	} else {
		movie = m
	}
	if len(fields) > 0 {
		h.failValidation(w, r, fields)
		return
	}
	h.createComment(w, r, u, movie.ID, body)
}

// handlePostMovieComment is POST /api/movies/{id}/comments.
func (h *handler) handlePostMovieComment(w http.ResponseWriter, r *http.Request, u *hypertube.User) {
	m, ok := h.findMovie(w, r)
	if !ok {
		return
	}
	var b commentBody
	if !h.decodeJSON(w, r, &b) {
		return
	}
	fields := validationError{}
	body, msg := checkComment(b.Comment)
	if msg != "" {
		fields["comment"] = msg
	}
	if b.MovieID != nil && *b.MovieID != m.ID {
		fields["movie_id"] = "movie_id differs from the film of the URL; leave it out."
	}
	if len(fields) > 0 {
		h.failValidation(w, r, fields)
		return
	}
	h.createComment(w, r, u, m.ID, body)
}

func (h *handler) createComment(w http.ResponseWriter, r *http.Request, u *hypertube.User, movieID int64, body string) {
	c := &hypertube.Comment{MovieID: movieID, UserID: u.ID, Username: u.Username, Body: body}
	if err := h.Comments.CreateComment(r.Context(), c); err != nil {
		h.failComment(w, r, err)
		return
	}
	if stored, err := h.Comments.FindCommentByID(r.Context(), c.ID); err == nil {
		c = stored
	}
	w.Header().Set("Location", "/api/comments/"+strconv.FormatInt(c.ID, 10))
	h.writeJSON(w, r, http.StatusCreated, toCommentJSON(c))
}

// failComment shows the store's refusals of a comment next to its field.
func (h *handler) failComment(w http.ResponseWriter, r *http.Request, err error) {
	if hypertube.ErrorCode(err) == hypertube.EINVALID {
		h.failValidation(w, r, validationError{"comment": hypertube.ErrorMessage(err)})
		return
	}
	h.fail(w, r, err)
}

func (h *handler) handleUpdateComment(w http.ResponseWriter, r *http.Request, u *hypertube.User) {
	c, ok := h.findComment(w, r)
	if !ok {
		return
	}
	if c.UserID != u.ID {
		h.fail(w, r, hypertube.Errorf(hypertube.EFORBIDDEN, "You can only edit your own comments."))
		return
	}
	var b commentBody
	if !h.decodeJSON(w, r, &b) {
		return
	}
	body, msg := checkComment(b.Comment)
	if msg != "" {
		h.failValidation(w, r, validationError{"comment": msg})
		return
	}
	if b.MovieID != nil && *b.MovieID != c.MovieID {
		h.failValidation(w, r, validationError{"movie_id": "A comment cannot move to another film."})
		return
	}
	c.Body = body
	if err := h.Comments.UpdateComment(r.Context(), c); err != nil {
		h.failComment(w, r, err)
		return
	}
	if stored, err := h.Comments.FindCommentByID(r.Context(), c.ID); err == nil {
		c = stored
	}
	h.writeJSON(w, r, http.StatusOK, toCommentJSON(c))
}

func (h *handler) handleDeleteComment(w http.ResponseWriter, r *http.Request, u *hypertube.User) {
	c, ok := h.findComment(w, r)
	if !ok {
		return
	}
	if c.UserID != u.ID {
		h.fail(w, r, hypertube.Errorf(hypertube.EFORBIDDEN, "You can only delete your own comments."))
		return
	}
	if err := h.Comments.DeleteComment(r.Context(), c.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
