package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/browsertest"
)

// startQuickServe runs serve without the demo swarm, which the API does
// not need.
func startQuickServe(t *testing.T) string {
	t.Helper()
	return startServe(t, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--torrent-addr", "127.0.0.1:0",
		"--no-dht", "--no-pex", "--no-utp", "--demo=false", "--log-level", "warn")
}

// apiClient is a third-party app talking to the site over HTTP.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// clientCredentials gets a token the way the README shows.
func clientCredentials(t *testing.T, base, id, secret string) *apiClient {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("client credentials: status %d, %+v, %v", res.StatusCode, tok, err)
	}
	return &apiClient{t: t, base: base, token: tok.AccessToken}
}

// call sends body (when not nil) as JSON and decodes the JSON answer.
func (c *apiClient) call(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			c.t.Fatalf("%s %s: status %d, not JSON: %q", method, path, res.StatusCode, data)
		}
	}
	return res.StatusCode, out
}

var (
	appClientID = regexp.MustCompile(`<code id="app-client-id">([^<]+)</code>`)
	appSecret   = regexp.MustCompile(`<code id="app-secret">([^<]+)</code>`)
)

// createAppOverHTTP registers an app through the profile form with a
// signed-in client.
func createAppOverHTTP(t *testing.T, client *http.Client, base, name string) (id, secret string) {
	t.Helper()
	res, err := client.Get(base + "/profile")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfMeta.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the profile (status %d)", res.StatusCode)
	}
	res, err = client.PostForm(base+"/profile/apps", url.Values{"csrf": {html.UnescapeString(string(m[1]))}, "app_name": {name}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	ids, secrets := appClientID.FindSubmatch(page), appSecret.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || ids == nil || secrets == nil {
		t.Fatalf("create app %q: status %d", name, res.StatusCode)
	}
	return html.UnescapeString(string(ids[1])), html.UnescapeString(string(secrets[1]))
}

// TestThirdPartyAppFlow is the API's acceptance: a person signs up in
// Chromium and registers an app on their profile; the app, from Go, gets
// a token with the id and secret read off the page, lists films, posts,
// edits and deletes a comment, and may not edit someone else's.
func TestThirdPartyAppFlow(t *testing.T) {
	base := startQuickServe(t)
	ctx, console := browsertest.New(t)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 500) : ""`))
			t.Fatalf("%s: %v\n%s\nconsole: %q", what, err, text, console.Errors())
		}
	}
	step("sign up", chromedp.Navigate(base+"/signup"), chromedp.WaitVisible("#first_name"),
		chromedp.SendKeys("#email", "dev@example.org"), chromedp.SendKeys("#username", "dev"),
		chromedp.SendKeys("#first_name", "Ada"), chromedp.SendKeys("#last_name", "Dev"),
		chromedp.SendKeys("#password", e2ePassword), chromedp.Click(".account-form button"))
	if err := browsertest.WaitJS(ctx, `document.querySelector('.nav-me')?.textContent === 'dev'`, 20*time.Second); err != nil {
		t.Fatalf("not signed in after sign-up: %v", err)
	}
	step("create an app", chromedp.Navigate(base+"/profile"), chromedp.WaitVisible("#app_name"),
		chromedp.SendKeys("#app_name", "Movie bot"), chromedp.Click("#app-form button"),
		chromedp.WaitVisible("#app-secret"))
	read := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+fmt.Sprintf("%q", sel)+`).textContent.trim()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	id, secret := read("#app-client-id"), read("#app-secret")
	if id == "" || secret == "" {
		t.Fatalf("client id %q, secret %q on the page", id, secret)
	}

	app := clientCredentials(t, base, id, secret)
	status, page := app.call("GET", "/api/movies?limit=5", nil)
	items, _ := page["items"].([]any)
	if status != http.StatusOK || len(items) == 0 || len(items) > 5 {
		t.Fatalf("list movies: status %d, %d items", status, len(items))
	}
	movieID := items[0].(map[string]any)["id"]

	status, c := app.call("POST", "/api/comments", map[string]any{"comment": "Great film!", "movie_id": movieID})
	if status != http.StatusCreated || c["content"] != "Great film!" || c["author_username"] != "dev" {
		t.Fatalf("post comment: status %d, %v", status, c)
	}
	mine := fmt.Sprintf("/api/comments/%v", c["id"])
	if status, c := app.call("PATCH", mine, map[string]any{"comment": "Even better the second time."}); status != http.StatusOK || c["content"] != "Even better the second time." {
		t.Errorf("edit own comment: status %d, %v", status, c)
	}
	if status, c := app.call("GET", mine, nil); status != http.StatusOK || c["content"] != "Even better the second time." {
		t.Errorf("read edited comment: status %d, %v", status, c)
	}

	// Someone else's app posts a comment the first app cannot change.
	other := signUp(t, base, "other", "other@example.org", e2ePassword)
	otherID, otherSecret := createAppOverHTTP(t, other, base, "Other bot")
	otherApp := clientCredentials(t, base, otherID, otherSecret)
	status, theirs := otherApp.call("POST", "/api/comments", map[string]any{"comment": "Not yours.", "movie_id": movieID})
	if status != http.StatusCreated {
		t.Fatalf("other's comment: status %d, %v", status, theirs)
	}
	path := fmt.Sprintf("/api/comments/%v", theirs["id"])
	if status, body := app.call("PATCH", path, map[string]any{"comment": "Vandalised"}); status != http.StatusForbidden {
		t.Errorf("edit someone else's comment: status %d, %v; want 403", status, body)
	}
	if status, _ := app.call("DELETE", path, nil); status != http.StatusForbidden {
		t.Errorf("delete someone else's comment: status %d; want 403", status)
	}
	if status, c := otherApp.call("GET", path, nil); status != http.StatusOK || c["content"] != "Not yours." {
		t.Errorf("the other comment changed: status %d, %v", status, c)
	}

	if status, _ := app.call("DELETE", mine, nil); status != http.StatusNoContent {
		t.Errorf("delete own comment: status %d; want 204", status)
	}
	if status, _ := app.call("GET", mine, nil); status != http.StatusNotFound {
		t.Errorf("deleted comment: status %d; want 404", status)
	}
	if errs := console.Errors(); len(errs) > 0 {
		t.Errorf("browser console errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestReadmeCurlSession runs the README's curl commands, as written, with
// sh and curl against serve; only the address and the app's credentials
// are filled in.
func TestReadmeCurlSession(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- api-curl -->\n```sh\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no <!-- api-curl --> block")
	}
	script := string(m[1])
	if !strings.HasPrefix(script, "export CLIENT_ID=") || !strings.Contains(script, "http://127.0.0.1:8080/") {
		t.Fatalf("the README block no longer starts with the export line or uses the default address:\n%s", script)
	}
	// The export line holds placeholders; the environment gives the values.
	script = script[strings.Index(script, "\n")+1:]

	base := startQuickServe(t)
	client := signUp(t, base, "curly", "curly@example.org", e2ePassword)
	id, secret := createAppOverHTTP(t, client, base, "curl")
	script = "set -e\n" + strings.ReplaceAll(script, "http://127.0.0.1:8080", base) + `test -n "$TOKEN"` + "\n"

	cmd := exec.CommandContext(t.Context(), "sh", "-c", script)
	cmd.Env = append(os.Environ(), "CLIENT_ID="+id, "CLIENT_SECRET="+secret)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README commands: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want two JSON answers, got:\n%s", out)
	}
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &list); err != nil || len(list.Items) == 0 || len(list.Items) > 5 {
		t.Errorf("movies answer %q: %v", lines[0], err)
	}
	var comment struct {
		Content        string `json:"content"`
		MovieID        int64  `json:"movie_id"`
		AuthorUsername string `json:"author_username"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &comment); err != nil || comment.Content != "Great film!" || comment.MovieID != 1 || comment.AuthorUsername != "curly" {
		t.Errorf("comment answer %q: %v", lines[1], err)
	}
}
