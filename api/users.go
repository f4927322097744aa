package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/auth"
	"github.com/hypertube/hypertube/store"
)

type userSummary struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type userJSON struct {
	ID         int64   `json:"id"`
	Username   string  `json:"username"`
	FirstName  string  `json:"first_name"`
	LastName   string  `json:"last_name"`
	PictureURL *string `json:"picture_url"`
	Email      string  `json:"email,omitempty"` // own account only
}

// pictureURL is the web site's address of a user's picture.
func pictureURL(u *hypertube.User) *string {
	if u.Picture == "" {
		return nil
	}
	s := fmt.Sprintf("/users/%d/picture", u.ID)
	return &s
}

func toUserJSON(u, viewer *hypertube.User) userJSON {
	j := userJSON{ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, PictureURL: pictureURL(u)}
	if viewer != nil && viewer.ID == u.ID {
		j.Email = u.Email
	}
	return j
}

func (h *handler) handleListUsers(w http.ResponseWriter, r *http.Request, _ *hypertube.User) {
	limit, offset, err := pageParams(r, 'u')
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, total, err := h.Users.FindUsers(r.Context(), hypertube.UserFilter{Offset: int(offset), Limit: limit})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items := make([]userSummary, 0, len(users))
	for _, u := range users {
		items = append(items, userSummary{u.ID, u.Username})
	}
	next := ""
	if end := offset + int64(len(users)); len(users) > 0 && end < int64(total) {
		next = nextURL(r, 'u', end)
	}
	h.writePage(w, r, items, next)
}

func (h *handler) handleGetUser(w http.ResponseWriter, r *http.Request, viewer *hypertube.User) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.Users.FindUserByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeJSON(w, r, http.StatusOK, toUserJSON(u, viewer))
}

type userPatch struct {
	Username        *string         `json:"username"`
	Email           *string         `json:"email"`
	FirstName       *string         `json:"first_name"`
	LastName        *string         `json:"last_name"`
	Password        *string         `json:"password"`
	CurrentPassword *string         `json:"current_password"`
	PictureURL      json.RawMessage `json:"picture_url"`
}

// handleUpdateUser changes the caller's own account. A new password or
// email address needs the current password too: they are what lets a person
// get their account back, so a leaked token alone must not change them.
func (h *handler) handleUpdateUser(w http.ResponseWriter, r *http.Request, viewer *hypertube.User) {
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.Users.FindUserByID(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u.ID != viewer.ID {
		h.fail(w, r, hypertube.Errorf(hypertube.EFORBIDDEN, "You can only change your own account."))
		return
	}
	var p userPatch
	if !h.decodeJSON(w, r, &p) {
		return
	}

	fields := validationError{}
	if p.Username != nil {
		u.Username = *p.Username
	}
	if p.FirstName != nil {
		u.FirstName = *p.FirstName
	}
	if p.LastName != nil {
		u.LastName = *p.LastName
	}
	emailChanged := p.Email != nil && *p.Email != u.Email
	if p.Email != nil {
		u.Email = *p.Email
	}
	if len(p.PictureURL) > 0 {
		var pic *string
		current := pictureURL(u)
		switch err := json.Unmarshal(p.PictureURL, &pic); {
		case err != nil:
			fields["picture_url"] = "picture_url is a string or null."
		case pic == nil || *pic == "":
			u.Picture = ""
		case current == nil || *pic != *current:
			fields["picture_url"] = "Upload pictures on your profile page; here you can only remove yours, with null."
		}
	}
	if (p.Password != nil || emailChanged) && u.PasswordHash != "" {
		switch {
		case p.CurrentPassword == nil || *p.CurrentPassword == "":
			fields["current_password"] = "Enter your current password to change your password or email address."
		default:
			ok, err := auth.CheckPassword(u.PasswordHash, *p.CurrentPassword)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if !ok {
				fields["current_password"] = "Your current password is not this one."
			}
		}
	}
	if p.Password != nil {
		var pe *auth.PasswordError
		if err := auth.CheckPasswordStrength(*p.Password, u.Username, u.Email, u.FirstName, u.LastName); errors.As(err, &pe) {
			fields["password"] = pe.Message
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if len(fields) > 0 {
		h.failValidation(w, r, fields)
		return
	}
	if p.Password != nil {
		if u.PasswordHash, err = auth.HashPassword(*p.Password); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if err := h.Users.UpdateUser(r.Context(), u); err != nil {
		var fe *store.FieldError
		if errors.As(err, &fe) {
			field := fe.Field
			if field == store.FieldPicture {
				field = "picture_url"
			}
			h.failValidation(w, r, validationError{field: fe.Message})
			return
		}
		h.fail(w, r, err)
		return
	}
	h.log.Info("api: account changed", "user", u.ID, "password", p.Password != nil, "email", emailChanged)
	h.writeJSON(w, r, http.StatusOK, toUserJSON(u, viewer))
}
