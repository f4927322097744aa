package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

// commentFixture is a database with a film, two accounts and a clock.
type commentFixture struct {
	db       *store.DB
	svc      *store.CommentService
	users    *store.UserService
	movie    *hypertube.Movie
	alice    *hypertube.User
	bob      *hypertube.User
	now      time.Time
	comments []*hypertube.Comment
}

func newCommentFixture(t *testing.T, b backend) *commentFixture {
	t.Helper()
	db := openBackend(t, b)
	f := &commentFixture{db: db, svc: store.NewCommentService(db), users: store.NewUserService(db),
		movie: movie(1, "Sintel"), now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	f.svc.Now = func() time.Time { return f.now }
	if err := store.NewMovieService(db).CreateMovie(context.Background(), f.movie); err != nil {
		t.Fatal(err)
	}
	f.alice = createUser(t, f.users, user("alice"))
	f.bob = createUser(t, f.users, user("bob"))
	return f
}

func (f *commentFixture) post(t *testing.T, u *hypertube.User, body string) *hypertube.Comment {
	t.Helper()
	c := &hypertube.Comment{MovieID: f.movie.ID, UserID: u.ID, Body: body}
	if err := f.svc.CreateComment(context.Background(), c); err != nil {
		t.Fatalf("CreateComment(%q): %v", body, err)
	}
	f.now = f.now.Add(time.Minute)
	return c
}

func bodies(comments []*hypertube.Comment) string {
	var out []string
	for _, c := range comments {
		out = append(out, c.Body)
	}
	return strings.Join(out, ",")
}

func TestComments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newCommentFixture(t, b)
		first := f.post(t, f.alice, "  Lovely dragon.\r\n\r\nThe end made me cry.\t ")
		if first.ID == 0 || first.Username != "alice" || first.UserID != f.alice.ID ||
			first.Body != "Lovely dragon.\n\nThe end made me cry." || !first.CreatedAt.Equal(f.now.Add(-time.Minute)) ||
			!first.UpdatedAt.Equal(first.CreatedAt) {
			t.Errorf("created %+v", first)
		}
		for _, body := range []string{"2", "3", "4", "5"} {
			f.post(t, f.bob, body)
		}
		markup := f.post(t, f.alice, `<script>alert("hi")</script>`)

		// Newest first, page by page.
		page, err := f.svc.FindComments(ctx, hypertube.CommentFilter{MovieID: f.movie.ID, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := bodies(page); got != `<script>alert("hi")</script>,5,4` {
			t.Errorf("first page: %s", got)
		}
		next, err := f.svc.FindComments(ctx, hypertube.CommentFilter{MovieID: f.movie.ID, Before: page[2].ID, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := bodies(next); got != "3,2,Lovely dragon.\n\nThe end made me cry." {
			t.Errorf("second page: %q", got)
		}
		if next[0].Username != "bob" || next[2].Username != "alice" {
			t.Errorf("authors: %q, %q", next[0].Username, next[2].Username)
		}
		byBob, err := f.svc.FindComments(ctx, hypertube.CommentFilter{UserID: f.bob.ID})
		if err != nil || bodies(byBob) != "5,4,3,2" {
			t.Errorf("Bob's comments: %q, %v", bodies(byBob), err)
		}
		if n, err := f.svc.CountComments(ctx, f.movie.ID); err != nil || n != 6 {
			t.Errorf("CountComments = %d, %v; want 6", n, err)
		}

		// Editing changes the body and UpdatedAt only.
		edit := &hypertube.Comment{ID: first.ID, MovieID: 999, UserID: f.bob.ID, Body: "Lovely dragon!"}
		if err := f.svc.UpdateComment(ctx, edit); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindCommentByID(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Body != "Lovely dragon!" || got.UserID != f.alice.ID || got.MovieID != f.movie.ID ||
			!got.CreatedAt.Equal(first.CreatedAt) || !got.UpdatedAt.Equal(f.now) || *edit != *got {
			t.Errorf("after the edit: %+v (UpdateComment gave %+v)", got, edit)
		}

		// Markup is stored as it was written: escaping is for the pages.
		if got, err := f.svc.FindCommentByID(ctx, markup.ID); err != nil || got.Body != `<script>alert("hi")</script>` {
			t.Errorf("markup comment: %+v, %v", got, err)
		}

		if err := f.svc.DeleteComment(ctx, markup.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.FindCommentByID(ctx, markup.ID)
		wantCode(t, err, hypertube.ENOTFOUND)
		wantCode(t, f.svc.DeleteComment(ctx, markup.ID), hypertube.ENOTFOUND)
		wantCode(t, f.svc.UpdateComment(ctx, &hypertube.Comment{ID: markup.ID, Body: "x"}), hypertube.ENOTFOUND)
	})
}

func TestCommentsOutliveTheirAuthor(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newCommentFixture(t, b)
		gone := f.post(t, f.alice, "I was here.")
		f.post(t, f.bob, "So was I.")
		if err := f.users.DeleteUser(ctx, f.alice.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindCommentByID(ctx, gone.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != 0 || got.Username != "" || got.Body != "I was here." {
			t.Errorf("comment of a deleted account: %+v", got)
		}
		list, err := f.svc.FindComments(ctx, hypertube.CommentFilter{MovieID: f.movie.ID})
		if err != nil || len(list) != 2 || list[1].Username != "" || list[0].Username != "bob" {
			t.Errorf("list after the deletion: %+v, %v", list, err)
		}

		// Comments go with their film.
		if err := store.NewMovieService(f.db).DeleteMovie(ctx, f.movie.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := f.svc.CountComments(ctx, f.movie.ID); err != nil || n != 0 {
			t.Errorf("comments of a deleted film: %d, %v", n, err)
		}
		_, err = f.svc.FindCommentByID(ctx, gone.ID)
		wantCode(t, err, hypertube.ENOTFOUND)
	})
}

func TestCommentValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newCommentFixture(t, b)
		longest := strings.Repeat("é", hypertube.MaxCommentLength)
		f.post(t, f.alice, longest) // counted in characters, not bytes

		for _, tt := range []struct{ name, body string }{
			{"empty", ""},
			{"blank", " \n\t "},
			{"too long", longest + "e"},
			{"NUL", "a\x00b"},
			{"escape", "a\x1b[31mred"},
			{"invalid UTF-8", "a\xffb"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				c := &hypertube.Comment{MovieID: f.movie.ID, UserID: f.alice.ID, Body: tt.body}
				wantCode(t, f.svc.CreateComment(ctx, c), hypertube.EINVALID)
				c.ID = 1
				wantCode(t, f.svc.UpdateComment(ctx, c), hypertube.EINVALID)
			})
		}
		wantCode(t, f.svc.CreateComment(ctx, &hypertube.Comment{MovieID: f.movie.ID, Body: "anonymous"}), hypertube.EINVALID)
		wantCode(t, f.svc.CreateComment(ctx, &hypertube.Comment{MovieID: 999, UserID: f.alice.ID, Body: "x"}), hypertube.ENOTFOUND)
		wantCode(t, f.svc.CreateComment(ctx, &hypertube.Comment{MovieID: f.movie.ID, UserID: 999, Body: "x"}), hypertube.ENOTFOUND)
		wantCode(t, f.svc.CreateComment(ctx, nil), hypertube.EINVALID)
		for _, bad := range []hypertube.CommentFilter{{Limit: -1}, {Before: -1}} {
			_, err := f.svc.FindComments(ctx, bad)
			wantCode(t, err, hypertube.EINVALID)
		}
		if n, err := f.svc.CountComments(ctx, f.movie.ID); err != nil || n != 1 {
			t.Errorf("CountComments = %d, %v; want only the longest one", n, err)
		}
	})
}

func TestFindCommentsPageSize(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		f := newCommentFixture(t, b)
		for range 105 {
			f.post(t, f.bob, "again")
		}
		for _, tt := range []struct{ limit, want int }{{0, 20}, {7, 7}, {100, 100}, {500, 100}} {
			got, err := f.svc.FindComments(ctx, hypertube.CommentFilter{MovieID: f.movie.ID, Limit: tt.limit})
			if err != nil || len(got) != tt.want {
				t.Errorf("Limit %d: %d comments (%v), want %d", tt.limit, len(got), err, tt.want)
			}
		}
	})
}
