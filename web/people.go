package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

const (
	peoplePerPage = 20
	watchedShown  = 50
)

// person is what others may see of an account: never its email.
type person struct {
	ID         int64
	Username   string
	FirstName  string
	LastName   string
	HasPicture bool
}

func personOf(u *hypertube.User) person {
	return person{ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, HasPicture: u.Picture != ""}
}

type usersPage struct {
	Query    string
	People   []person
	Total    int
	Page     int
	PrevURL  string
	NextURL  string
	Searched bool
}

func (h *handler) handleUsers(w http.ResponseWriter, r *http.Request) {
	p := usersPage{Query: strings.TrimSpace(r.FormValue("q")), Page: 1}
	if n, err := strconv.Atoi(r.FormValue("page")); err == nil && n > 1 && n < 100_000 {
		p.Page = n
	}
	users, total, err := h.users.FindUsers(r.Context(), hypertube.UserFilter{
		UsernamePrefix: p.Query, Offset: (p.Page - 1) * peoplePerPage, Limit: peoplePerPage,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Total, p.Searched = total, p.Query != ""
	for _, u := range users {
		p.People = append(p.People, personOf(u))
	}
	pageURL := func(n int) string {
		v := url.Values{}
		if p.Query != "" {
			v.Set("q", p.Query)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/users"
		}
		return "/users?" + v.Encode()
	}
	if p.Page > 1 {
		p.PrevURL = pageURL(p.Page - 1)
	}
	if p.Page*peoplePerPage < total {
		p.NextURL = pageURL(p.Page + 1)
	}
	h.render(w, r, http.StatusOK, "users.html", p)
}

type userPage struct {
	Person  person
	Watched []store.Watch
	Self    bool
}

func (h *handler) handleUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.userFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	watched, err := h.watches.ListWatched(r.Context(), u.ID, watchedShown)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "user.html", userPage{Person: personOf(u), Watched: watched, Self: u.ID == userOf(r).ID})
}

func (h *handler) userFromPath(r *http.Request) (*hypertube.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, keyError(hypertube.ENOTFOUND, "people.notFound")
	}
	u, err := h.users.FindUserByID(r.Context(), id)
	if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
		return nil, keyError(hypertube.ENOTFOUND, "people.notFound")
	}
	return u, err
}
