package web_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// userID finds an account's number.
func userID(t *testing.T, s *site, login string) int64 {
	t.Helper()
	u, err := s.users.FindUserByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestProfilePayloadsRenderInert(t *testing.T) {
	s := newSite(t, nil)
	payloads := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`' onmouseover='alert(1)`,
		`Robert'); DROP TABLE users;--`,
		`50% _off_ \ "quoted" ; --`,
	}
	victim := s.signUp(t, "victim", "victim@example.org", testPassword)
	id := userID(t, s, "victim")
	for _, p := range payloads {
		resp, body := victim.post(t, "/profile", url.Values{
			"email": {"victim@example.org"}, "username": {"victim"}, "first_name": {p}, "last_name": {p + "!"},
		})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("saving %q: status %d, errors %q", p, resp.StatusCode, errorsIn(body))
		}
		for _, page := range []struct {
			b    *browser
			path string
		}{
			{victim, "/profile"},
			{victim, fmt.Sprintf("/users/%d", id)},
			{s.me, fmt.Sprintf("/users/%d", id)},
			{s.me, "/users?q=vic"},
			{s.me, "/users"},
		} {
			_, body := page.b.get(t, page.path)
			if strings.Contains(body, p) && strings.ContainsAny(p, `<>"'`) {
				t.Errorf("%s shows %q unescaped", page.path, p)
			}
			if !strings.Contains(body, html.EscapeString(p)) && !strings.Contains(body, templateEscape(p)) {
				t.Errorf("%s does not show %q as text", page.path, p)
			}
		}
	}
	// The SQL text came back verbatim: nothing was run.
	u, err := s.users.FindUserByLogin(t.Context(), "victim")
	if err != nil || u.FirstName != payloads[len(payloads)-1] {
		t.Errorf("stored first name = %q (%v)", u.FirstName, err)
	}
	if _, n, err := s.users.FindUsers(t.Context(), hypertubeUserFilter()); err != nil || n != 2 {
		t.Errorf("users left: %d (%v)", n, err)
	}
	// An email address with quotes and brackets is shown escaped too.
	tricky := `"<b>x</b>'"@example.org`
	resp, body := victim.post(t, "/profile", url.Values{"email": {tricky}, "username": {"victim"}, "first_name": {"V"}, "last_name": {"W"}})
	if resp.StatusCode == http.StatusSeeOther {
		_, body = victim.get(t, "/profile")
	}
	if strings.Contains(body, "<b>x</b>") {
		t.Error("an email address is shown unescaped")
	}
}

// templateEscape is how html/template writes text inside elements, which
// escapes a few more characters than html.EscapeString.
func templateEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

func TestOtherPeoplesEmailNeverShown(t *testing.T) {
	s := newSite(t, nil)
	s.signUp(t, "secretive", "hidden.address@example.org", testPassword)
	id := userID(t, s, "secretive")
	for _, path := range []string{"/", "/users", "/users?q=sec", fmt.Sprintf("/users/%d", id), "/movies/1", "/profile"} {
		_, body := s.me.get(t, path)
		if strings.Contains(strings.ToLower(body), "hidden.address") {
			t.Errorf("%s shows another person's email address", path)
		}
	}
	resp, body := s.do(t, "POST", "/movies/1/progress", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		strings.NewReader("position=12.5&duration=600"))
	if resp.StatusCode != http.StatusNoContent || strings.Contains(body, "@") {
		t.Errorf("progress: status %d, body %q", resp.StatusCode, body)
	}
	events := readEvents(t, s, "/movies/1/events", "status", 1)
	if strings.Contains(fmt.Sprint(events), "@") {
		t.Errorf("status events mention an address: %v", events)
	}
}

// upload posts a picture file as the browser's profile form would.
func upload(t *testing.T, b *browser, name string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf)
	fw, err := mw.CreateFormFile("picture", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return b.do(t, "POST", "/profile/picture", map[string]string{"Content-Type": mw.FormDataContentType()}, &buf)
}

// cut keeps the first half of a file, as an interrupted upload would.
func cut(b []byte) []byte { return b[:len(b)/2] }

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngBomb is a valid PNG header claiming w×h pixels, with no pixels.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestPictureUpload(t *testing.T) {
	dataDir := t.TempDir()
	s := newSite(t, nil)
	_ = dataDir
	s.me.get(t, "/profile")
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"page.html", []byte("<html><script>alert(1)</script></html>"), "not a picture we can read"},
		{"bomb.png", pngBomb(30000, 30000), "too big (more than 40 million pixels)"},
		{"huge.jpg", bytes.Repeat([]byte{0xff}, 20<<20), "too large"},
		{"cut.png", cut(pngOf(t, 300, 300)), "damaged"},
	} {
		resp, body := upload(t, s.me, tt.name, tt.data)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(body, "picture"), tt.want) {
			t.Errorf("%s: status %d, picture error %q, want 400 with %q", tt.name, resp.StatusCode, fieldError(body, "picture"), tt.want)
		}
		s.me.get(t, "/profile") // a fresh token, as the page would have
	}
	id := userID(t, s, "tester")
	if resp, _ := s.me.get(t, fmt.Sprintf("/users/%d/picture", id)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a refused upload left a picture (status %d)", resp.StatusCode)
	}

	resp, body := upload(t, s.me, "me.png", pngOf(t, 600, 300))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good picture: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
	// Someone else sees it, as a JPEG the site made, at most 256 pixels wide.
	other := s.signUp(t, "other", "other@example.org", testPassword)
	resp, data := other.get(t, fmt.Sprintf("/users/%d/picture", id))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("picture: status %d, type %q, nosniff %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
	}
	img, err := jpeg.Decode(strings.NewReader(data))
	if err != nil {
		t.Fatalf("served picture is not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 128 {
		t.Errorf("served picture is %v, want 256×128", b.Size())
	}
	if _, page := other.get(t, fmt.Sprintf("/users/%d", id)); !strings.Contains(page, fmt.Sprintf(`src="/users/%d/picture"`, id)) {
		t.Error("the profile page does not show the picture")
	}
}

func TestDeleteAccount(t *testing.T) {
	s := newSite(t, nil)
	laptop, _, _ := s.signIn(t, "tester", testPassword)
	s.me.get(t, "/profile")
	if resp, body := upload(t, s.me, "me.png", pngOf(t, 32, 32)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %q", resp.StatusCode, errorsIn(body))
	}
	u, _ := s.users.FindUserByLogin(t.Context(), "tester")
	pictures, _ := filepath.Glob(filepath.Join(s.dataDir, "pictures", "*.jpg"))
	if len(pictures) != 1 || filepath.Base(pictures[0]) != u.Picture {
		t.Fatalf("pictures on disk: %v, want %s", pictures, u.Picture)
	}
	s.me.get(t, "/profile")

	resp, body := s.me.post(t, "/profile/delete", url.Values{"confirm": {"wrong password"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(body, "confirm"), "not your password") {
		t.Errorf("wrong confirmation: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
	resp, _ = s.me.post(t, "/profile/delete", url.Values{"confirm": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?done=deleted" {
		t.Fatalf("delete: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := s.users.FindUserByID(t.Context(), u.ID); err == nil {
		t.Error("the account is still in the store")
	}
	if _, err := os.Stat(pictures[0]); !os.IsNotExist(err) {
		t.Errorf("the picture file is still there: %v", err)
	}
	if resp, _ := laptop.get(t, "/profile"); resp.StatusCode != http.StatusSeeOther {
		t.Error("another browser is still signed in")
	}
	if _, resp, _ := s.signIn(t, "tester", testPassword); resp.StatusCode == http.StatusSeeOther {
		t.Error("signed in to a deleted account")
	}
}

func TestChangePassword(t *testing.T) {
	s := newSite(t, nil)
	laptop, _, _ := s.signIn(t, "tester", testPassword)
	s.me.get(t, "/profile")
	resp, body := s.me.post(t, "/profile/password", url.Values{"current_password": {"nope"}, "password": {"Another-Good-Pass-77"}})
	if resp.StatusCode != http.StatusBadRequest || fieldError(body, "current_password") == "" {
		t.Errorf("wrong current password: status %d", resp.StatusCode)
	}
	resp, body = s.me.post(t, "/profile/password", url.Values{"current_password": {testPassword}, "password": {"123456789"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(fieldError(body, "password"), "too common") {
		t.Errorf("common new password: status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
	resp, _ = s.me.post(t, "/profile/password", url.Values{"current_password": {testPassword}, "password": {"Another-Good-Pass-77"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: status %d", resp.StatusCode)
	}
	if resp, _ := laptop.get(t, "/profile"); resp.StatusCode != http.StatusSeeOther {
		t.Error("other browsers stay signed in after a password change")
	}
	if resp, _ := s.me.get(t, "/profile"); resp.StatusCode != http.StatusOK {
		t.Error("the browser that changed the password was signed out")
	}
	if _, resp, _ := s.signIn(t, "tester", "Another-Good-Pass-77"); resp.StatusCode != http.StatusSeeOther {
		t.Error("the new password does not work")
	}
}

func TestProfileDuplicateUsername(t *testing.T) {
	s := newSite(t, nil)
	s.signUp(t, "taken", "taken@example.org", testPassword)
	s.me.get(t, "/profile")
	resp, body := s.me.post(t, "/profile", url.Values{"email": {"TAKEN@example.org"}, "username": {"tester"}, "first_name": {"A"}, "last_name": {"B"}})
	if resp.StatusCode != http.StatusConflict || fieldError(body, "email") != "An account already uses this email address." {
		t.Errorf("status %d, errors %q", resp.StatusCode, errorsIn(body))
	}
	if !strings.Contains(body, `value="TAKEN@example.org"`) {
		t.Error("the typed address is not kept")
	}
}

func TestLanguage(t *testing.T) {
	s := newSite(t, nil)
	htmlLang := regexp.MustCompile(`<html lang="([a-z]+)">`)
	b := s.newBrowser(t)
	// Accept-Language, when nothing else says.
	_, body := b.do(t, "GET", "/signin", map[string]string{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}, nil)
	if m := htmlLang.FindStringSubmatch(body); m == nil || m[1] != "es" || !strings.Contains(body, "Contraseña") {
		t.Errorf("Accept-Language es: lang %v", m)
	}
	// The footer's choice (a cookie) wins over the browser's.
	resp, _ := b.post(t, "/language", url.Values{"lang": {"fr"}, "next": {"/signin"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("switch: status %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = b.do(t, "GET", "/signin", map[string]string{"Accept-Language": "es"}, nil)
	if m := htmlLang.FindStringSubmatch(body); m == nil || m[1] != "fr" || !strings.Contains(body, "Mot de passe") {
		t.Errorf("after choosing French: lang %v", m)
	}
	if resp, _ := b.post(t, "/language", url.Values{"lang": {"xx"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown language: status %d", resp.StatusCode)
	}
	createUser(t, s, "somebody")
	// Signed in, the choice goes to the profile, which wins everywhere.
	s.me.post(t, "/language", url.Values{"lang": {"es"}, "next": {"/"}})
	if u, _ := s.users.FindUserByLogin(t.Context(), "tester"); u.Language != "es" {
		t.Errorf("profile language = %q, want es", u.Language)
	}
	other, _, _ := s.signIn(t, "tester", testPassword)
	_, body = other.do(t, "GET", "/users", map[string]string{"Accept-Language": "fr"}, nil)
	if !strings.Contains(body, `<html lang="es">`) || !strings.Contains(body, "Personas") {
		t.Error("a new browser of the same person does not get their profile's language")
	}
	// Plurals.
	if !strings.Contains(body, "2 personas") {
		t.Errorf("people count not in plural Spanish")
	}
}

func TestPeopleSearch(t *testing.T) {
	s := newSite(t, nil)
	for i := range 25 {
		createUser(t, s, fmt.Sprintf("film_fan%02d", i))
	}
	createUser(t, s, "filmXfan")
	createUser(t, s, "50percent")
	_, body := s.me.get(t, "/users?q=film_")
	if !strings.Contains(body, "25 people") || strings.Contains(body, "filmXfan") {
		t.Errorf("q=film_ should match the 25 film_fan accounts only, literally")
	}
	if n := strings.Count(body, `class="person"`); n != 20 {
		t.Errorf("first page shows %d people, want 20", n)
	}
	next := regexp.MustCompile(`<a rel="next" href="([^"]+)">`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	_, body = s.me.get(t, html.UnescapeString(next[1]))
	if n := strings.Count(body, `class="person"`); n != 5 || !strings.Contains(body, "film_fan24") || !strings.Contains(body, `rel="prev"`) {
		t.Errorf("second page shows %d people", n)
	}
	_, body = s.me.get(t, "/users?q="+url.QueryEscape("50%"))
	if !strings.Contains(body, "0 people") {
		t.Errorf("a %% in the query is not literal")
	}
	if _, body = s.me.get(t, "/users?q=50"); !strings.Contains(body, "1 person") || !strings.Contains(body, "50percent") {
		t.Errorf("q=50 does not find 50percent")
	}
	if resp, _ := s.me.get(t, "/users/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown person: status %d", resp.StatusCode)
	}
}

func TestWatchedFilmsOnProfile(t *testing.T) {
	s := newSite(t, nil)
	fan := s.signUp(t, "fan", "fan@example.org", testPassword)
	id := userID(t, s, "fan")
	if _, body := s.me.get(t, fmt.Sprintf("/users/%d", id)); !strings.Contains(body, "Nothing watched yet") {
		t.Error("a new account shows watched films")
	}
	// Playing from the start records a watch; the page reports progress.
	if resp, _ := fan.do(t, "GET", "/movies/1/stream", map[string]string{"Range": "bytes=0-99"}, nil); resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("stream: status %d", resp.StatusCode)
	}
	for _, tt := range []struct {
		body   string
		status int
	}{
		{"position=42.5&duration=600", http.StatusNoContent},
		{"position=-1&duration=600", http.StatusBadRequest},
		{"position=NaN&duration=600", http.StatusBadRequest},
		{"position=abc", http.StatusBadRequest},
	} {
		resp, _ := fan.do(t, "POST", "/movies/2/progress", map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": fan.csrf}, strings.NewReader(tt.body))
		if resp.StatusCode != tt.status {
			t.Errorf("progress %q: status %d, want %d", tt.body, resp.StatusCode, tt.status)
		}
	}
	_, body := s.me.get(t, fmt.Sprintf("/users/%d", id))
	if !strings.Contains(body, `<a href="/movies/1">Demo Film</a>`) || !strings.Contains(body, `<a href="/movies/2">No Peers</a>`) {
		t.Errorf("the profile does not list both films watched")
	}
	w, err := s.watches.ListWatched(t.Context(), id, 10)
	if err != nil || len(w) != 2 || w[0].MovieID != 2 || w[0].Position != 42.5 {
		t.Errorf("watches = %+v (%v)", w, err)
	}
}
