package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/internal/catalogtest"
)

var commentBody = regexp.MustCompile(`(?s)<li class="comment" id="comment-(\d+)">.*?<p class="comment-body">(.*?)</p>`)

// commentsOn returns the film page's comments, top to bottom: id → body.
func commentsOn(body string) (ids, bodies []string) {
	for _, m := range commentBody.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
		bodies = append(bodies, html.UnescapeString(m[2]))
	}
	return ids, bodies
}

func TestComments(t *testing.T) {
	s := newLibSite(t)
	films := seedFilms(t, s.store, 1)
	film := movieURL(films[0].ID)
	post := func(b *browser, path, text string) (*http.Response, string) {
		t.Helper()
		return b.post(t, path, url.Values{"body": {text}})
	}

	resp, _ := post(s.me, film+"/comments", "First!\nWith a second line.")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), film+"#comment-") {
		t.Fatalf("post: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	s.clock.Advance(60e9)
	post(s.me, film+"/comments", `<script>alert("x")</script> <b>bold</b>`)

	_, body := s.get(t, film)
	ids, bodies := commentsOn(body)
	if len(bodies) != 2 || bodies[0] != `<script>alert("x")</script> <b>bold</b>` || bodies[1] != "First!\nWith a second line." {
		t.Fatalf("comments = %q, want the newest first, newlines kept", bodies)
	}
	if strings.Contains(body, `<script>alert(`) || !strings.Contains(body, "&lt;script&gt;alert(") {
		t.Errorf("comment markup is not inert")
	}
	me, err := s.users.FindUserByLogin(t.Context(), "tester")
	must(t, err)
	for _, want := range []string{
		`<a class="comment-author" href="/users/` + itoa(me.ID) + `">tester</a>`,
		`<time datetime="2030-01-02T03:05:05Z">2030-01-02 03:05</time>`,
		`action="/comments/` + ids[0] + `"`, `action="/comments/` + ids[0] + `/delete"`,
		"2 comments",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("film page lacks %s", want)
		}
	}

	// Someone else sees the comments without the buttons, and may touch
	// neither.
	other := s.signUp(t, "other", "other@example.org", testPassword)
	_, body = other.get(t, film)
	if strings.Contains(body, `action="/comments/`) {
		t.Errorf("another viewer is offered to edit or delete")
	}
	for _, path := range []string{"/comments/" + ids[0], "/comments/" + ids[0] + "/delete"} {
		if resp, body := post(other, path, "Hijacked"); resp.StatusCode != http.StatusForbidden ||
			!strings.Contains(body, "You can only change or delete your own comments.") {
			t.Errorf("POST %s by another: %d %v", path, resp.StatusCode, errorsIn(body))
		}
	}
	// Without the CSRF token, even the author is refused.
	if resp, _ := s.me.post(t, "/comments/"+ids[0], url.Values{"body": {"x"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("edit without CSRF token: %d", resp.StatusCode)
	}

	// The author edits, then deletes.
	s.clock.Advance(60e9)
	resp, _ = post(s.me, "/comments/"+ids[0], "Edited, no markup.")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	_, body = s.get(t, film)
	if _, bodies = commentsOn(body); len(bodies) != 2 || bodies[0] != "Edited, no markup." || !strings.Contains(body, "edited") {
		t.Errorf("after edit: %q", bodies)
	}
	if resp, _ = post(s.me, "/comments/"+ids[1]+"/delete", ""); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	_, body = s.get(t, film)
	if gotIDs, _ := commentsOn(body); len(gotIDs) != 1 || gotIDs[0] != ids[0] {
		t.Errorf("after delete: %v", gotIDs)
	}
	if resp, _ = post(s.me, "/comments/"+ids[1]+"/delete", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("delete twice: %d", resp.StatusCode)
	}

	// A comment whose author left shows who as "deleted user".
	o, err := s.users.FindUserByLogin(t.Context(), "other")
	must(t, err)
	c := &hypertube.Comment{MovieID: films[0].ID, UserID: o.ID, Body: "Bye"}
	must(t, s.comments.CreateComment(t.Context(), c))
	must(t, s.users.DeleteUser(t.Context(), o.ID))
	_, body = s.get(t, film)
	if !strings.Contains(body, `<span class="comment-author is-deleted">deleted user</span>`) {
		t.Errorf("a deleted author is not shown as such")
	}
}

func TestCommentMistakes(t *testing.T) {
	s := newLibSite(t)
	films := seedFilms(t, s.store, 1)
	film := movieURL(films[0].ID)
	tests := []struct {
		name, body, message string
	}{
		{"empty", "  \r\n ", "Write something before posting."},
		{"too long", strings.Repeat("é", hypertube.MaxCommentLength+1), "A comment is 2000 characters at most; this one has 2001."},
		{"control character", "bell\a", "A comment cannot contain control characters"},
	}
	for _, tt := range tests {
		resp, body := s.me.post(t, film+"/comments", url.Values{"body": {tt.body}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", tt.name, resp.StatusCode)
		}
		got := html.UnescapeString(regexp.MustCompile(`<p class="field-error" id="comment-error">([^<]*)</p>`).FindStringSubmatch(body + `<p class="field-error" id="comment-error"></p>`)[1])
		if !strings.HasPrefix(got, tt.message) {
			t.Errorf("%s: message %q, want %q", tt.name, got, tt.message)
		}
		// What was typed is kept, to be fixed.
		if strings.TrimSpace(tt.body) != "" && !strings.Contains(body, html.EscapeString(tt.body)+"</textarea>") {
			t.Errorf("%s: the draft is lost", tt.name)
		}
	}
	// Exactly the limit is fine.
	if resp, _ := s.me.post(t, film+"/comments", url.Values{"body": {strings.Repeat("é", hypertube.MaxCommentLength)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("comment of the longest length: %d", resp.StatusCode)
	}
	for _, path := range []string{"/movies/999/comments", "/comments/999", "/comments/abc/delete"} {
		if resp, _ := s.me.post(t, path, url.Values{"body": {"x"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestFilmPageReleases(t *testing.T) {
	const (
		h1080 = "1111111111111111111111111111111111111111"
		h720  = "2222222222222222222222222222222222222222"
		hcam  = "3333333333333333333333333333333333333333"
	)
	yts := &catalogtest.Provider{DetailsFromFilms: true, Source: catalog.SourceYTS, Films: []catalog.Film{{
		Title: "Sintel", Year: 2010, IMDbID: "tt1727587", Rating: 7.4, Runtime: 15,
		Summary: "A girl looks for her dragon.", Director: "Colin Levy", Producers: []string{"Ton Roosendaal"},
		Cast: []string{"Halina Reijn", "Thom Hoffman"}, Genres: []string{"Animation", "Fantasy"},
		Torrents: []catalog.Release{
			{Name: "Sintel.2010.720p.BluRay.x264", InfoHash: h720, Seeders: 400, Quality: "720p", Size: 700e6},
			{Name: "Sintel.2010.1080p.BluRay.x264", InfoHash: h1080, Seeders: 300, Quality: "1080p", Size: 1.4e9},
			{Name: "Sintel.2010.CAM.x264", InfoHash: hcam, Seeders: 900},
		},
	}}}
	s := newLibSite(t, yts)
	m := &hypertube.Movie{Title: "Sintel", Year: 2010, ImdbID: "tt1727587", Source: "tmdb"}
	must(t, s.store.CreateMovie(t.Context(), m))
	film := movieURL(m.ID)

	_, body := s.get(t, film)
	for _, want := range []string{
		"Colin Levy", "Ton Roosendaal", "Halina Reijn, Thom Hoffman", "★ 7.4/10", "A girl looks for her dragon.",
		`id="releases"`, "Sintel.2010.720p.BluRay.x264", "Sintel.2010.CAM.x264", "1.4 GB",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("film page lacks %q", want)
		}
	}
	chosen := regexp.MustCompile(`<p class="release-chosen">Playing: ([^<]*)\. <span class="release-why">Chosen for: ([^<]*)\.</span>`).FindStringSubmatch(body)
	if chosen == nil {
		t.Fatalf("the page does not say which release plays and why: %s", body[strings.Index(body, `id="releases"`):])
	}
	stored, err := s.store.FindMovieByID(t.Context(), m.ID)
	must(t, err)
	if chosen[1] == "Sintel.2010.CAM.x264" || stored.InfoHash == hcam || stored.InfoHash == "" {
		t.Errorf("chose %s (%s): a camcorder copy, or nothing: %s", chosen[1], stored.InfoHash, body[strings.Index(body, `id="releases"`):])
	}
	if chosen[2] == "" {
		t.Errorf("no reason given")
	}

	// The viewer picks the other good one.
	other := h720
	if stored.InfoHash == h720 {
		other = h1080
	}
	resp, _ := s.me.post(t, film+"/release", url.Values{"infohash": {other}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != film+"#releases" {
		t.Fatalf("select: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	stored, err = s.store.FindMovieByID(t.Context(), m.ID)
	must(t, err)
	if stored.InfoHash != other {
		t.Errorf("film plays %s, want the picked %s", stored.InfoHash, other)
	}
	_, body = s.get(t, film)
	if !strings.Contains(body, `<li class="release is-chosen">`) || !regexp.MustCompile(`is-chosen">\s*<div class="release-text">\s*<span class="release-name">Sintel\.2010\.`+map[string]string{h720: "720p", h1080: "1080p"}[other]).MatchString(body) {
		t.Errorf("the picked release is not shown as playing")
	}
	for _, bad := range []string{"nothex", hcam[:39], "4444444444444444444444444444444444444444"} {
		resp, _ := s.me.post(t, film+"/release", url.Values{"infohash": {bad}})
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("select %q: %d", bad, resp.StatusCode)
		}
	}
}
