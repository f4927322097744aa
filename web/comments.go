package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// commentsPerPage is how many comments the film page shows at once; older
// ones are a link away.
const commentsPerPage = 50

// commentsView is the comments section of the film page.
type commentsView struct {
	Enabled  bool
	List     []commentView
	Count    int
	Older    string // the link to older comments, when there are some
	MaxChars int
	Draft    commentDraft
}

// commentDraft is a comment the viewer sent that could not be posted, kept
// so that they can fix it.
type commentDraft struct {
	Body  string
	Error string
}

type commentView struct {
	ID       int64
	UserID   int64
	Username string
	Body     string
	Mine     bool
	Edited   bool
	Created  time.Time
}

// ISO is the comment's date for <time datetime>.
func (c commentView) ISO() string { return c.Created.UTC().Format(time.RFC3339) }

// Date is the comment's date as people read it, whatever their language.
func (c commentView) Date() string { return c.Created.UTC().Format("2006-01-02 15:04") }

// commentSection gathers the film's comments for the page, newest first; the
// "before" parameter of the URL pages back through older ones.
func (h *handler) commentSection(r *http.Request, movieID int64, draft *commentDraft) commentsView {
	v := commentsView{Enabled: h.comments != nil, MaxChars: hypertube.MaxCommentLength}
	if draft != nil {
		v.Draft = *draft
	}
	if !v.Enabled {
		return v
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := h.comments.FindComments(r.Context(), hypertube.CommentFilter{MovieID: movieID, Before: max(before, 0), Limit: commentsPerPage + 1})
	if err != nil {
		h.log.Error("comments", "movie", movieID, "err", err)
		return v
	}
	if v.Count, err = h.comments.CountComments(r.Context(), movieID); err != nil {
		h.log.Warn("count comments", "movie", movieID, "err", err)
	}
	me := userOf(r).ID
	for i, c := range list {
		if i == commentsPerPage {
			v.Older = movieURL(movieID) + "?before=" + strconv.FormatInt(list[i-1].ID, 10) + "#comments"
			break
		}
		v.List = append(v.List, commentView{
			ID: c.ID, UserID: c.UserID, Username: c.Username, Body: c.Body,
			Mine: c.UserID != 0 && c.UserID == me, Edited: c.UpdatedAt.After(c.CreatedAt), Created: c.CreatedAt,
		})
	}
	return v
}

// handlePostComment adds the viewer's comment to the film. A comment that
// cannot be posted comes back in the form with the reason.
func (h *handler) handlePostComment(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil || h.comments == nil {
		h.fail(w, r, cmpErr(err, keyError(hypertube.ENOTFOUND, "error.pageNotFound")))
		return
	}
	body := r.PostFormValue("body")
	if problem := h.commentProblem(r, body); problem != "" {
		h.renderFilm(w, r, http.StatusBadRequest, m, &commentDraft{Body: body, Error: problem})
		return
	}
	c := &hypertube.Comment{MovieID: m.ID, UserID: userOf(r).ID, Body: body}
	if err := h.comments.CreateComment(r.Context(), c); err != nil {
		if hypertube.ErrorCode(err) == hypertube.EINVALID {
			h.renderFilm(w, r, http.StatusBadRequest, m, &commentDraft{Body: body, Error: h.message(r, err)})
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, movieURL(m.ID)+"#comment-"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// handleEditComment replaces the body of one of the viewer's comments.
func (h *handler) handleEditComment(w http.ResponseWriter, r *http.Request) {
	c, err := h.ownComment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c.Body = r.PostFormValue("body")
	if problem := h.commentProblem(r, c.Body); problem != "" {
		h.renderError(w, r, http.StatusBadRequest, problem)
		return
	}
	if err := h.comments.UpdateComment(r.Context(), c); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, movieURL(c.MovieID)+"#comment-"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// handleDeleteComment removes one of the viewer's comments.
func (h *handler) handleDeleteComment(w http.ResponseWriter, r *http.Request) {
	c, err := h.ownComment(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.comments.DeleteComment(r.Context(), c.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, movieURL(c.MovieID)+"#comments", http.StatusSeeOther)
}

// ownComment finds the comment of the URL, EFORBIDDEN when the viewer did
// not write it.
func (h *handler) ownComment(r *http.Request) (*hypertube.Comment, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || h.comments == nil {
		return nil, keyError(hypertube.ENOTFOUND, "library.commentNotFound")
	}
	c, err := h.comments.FindCommentByID(r.Context(), id)
	if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
		return nil, keyError(hypertube.ENOTFOUND, "library.commentNotFound")
	}
	if err != nil {
		return nil, err
	}
	if c.UserID == 0 || c.UserID != userOf(r).ID {
		return nil, keyError(hypertube.EFORBIDDEN, "library.notYourComment")
	}
	return c, nil
}

// commentProblem returns what is wrong with a comment's body, in the
// viewer's language, or "" when the store may have it (it checks again).
func (h *handler) commentProblem(r *http.Request, body string) string {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return h.t(r, "library.commentEmpty")
	case n > hypertube.MaxCommentLength:
		return h.t(r, "library.commentTooLong", "max", hypertube.MaxCommentLength, "count", n)
	}
	return ""
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
