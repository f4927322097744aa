package subtitles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
)

// DefaultAPI is the OpenSubtitles REST API, version 1.
const DefaultAPI = "https://api.opensubtitles.com/api/v1"

// maxSubtitleSize bounds a downloaded subtitle file; real ones are a few
// hundred KiB at most.
const maxSubtitleSize = 8 << 20

// OpenSubtitles is a client of the OpenSubtitles REST API v1. It logs in on
// first use and again when its token expires.
type OpenSubtitles struct {
	BaseURL   string // "" means DefaultAPI
	APIKey    string
	Username  string
	Password  string
	UserAgent string       // required by the API; "" means "Hypertube v1"
	HTTP      *http.Client // nil means a client with a 30 s timeout

	mu    sync.Mutex
	token string
	base  string // the API base that login told us to use
}

// OpenSubtitlesFromEnv reads HYPERTUBE_OPENSUBTITLES_API_KEY, _USERNAME and
// _PASSWORD. It returns nil when no key is set: the site then goes without
// OpenSubtitles.
func OpenSubtitlesFromEnv(getenv func(string) string) (*OpenSubtitles, error) {
	key := getenv("HYPERTUBE_OPENSUBTITLES_API_KEY")
	user := getenv("HYPERTUBE_OPENSUBTITLES_USERNAME")
	pass := getenv("HYPERTUBE_OPENSUBTITLES_PASSWORD")
	if key == "" {
		if user != "" || pass != "" {
			return nil, hypertube.Errorf(hypertube.EINVALID, "HYPERTUBE_OPENSUBTITLES_API_KEY is needed with an OpenSubtitles username and password.")
		}
		return nil, nil
	}
	if user == "" || pass == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "Downloading from OpenSubtitles needs HYPERTUBE_OPENSUBTITLES_USERNAME and HYPERTUBE_OPENSUBTITLES_PASSWORD.")
	}
	return &OpenSubtitles{APIKey: key, Username: user, Password: pass}, nil
}

// APIError is an answer of OpenSubtitles that is not a success. It sits in
// the chain behind a *hypertube.Error that a person can read.
type APIError struct {
	Status     int
	Message    string        // the API's own message
	RetryAfter time.Duration // from a 429's Retry-After, 0 when absent
}

func (e *APIError) Error() string {
	return fmt.Sprintf("opensubtitles: HTTP %d: %s", e.Status, e.Message)
}

// Query selects subtitles. At least one of ImdbID and MovieHash is needed.
type Query struct {
	ImdbID    string   // "tt0133093" or "133093"
	MovieHash string   // from MovieHash
	Languages []string // ISO 639-1 codes such as "en", "fr"
}

// Result is one subtitle OpenSubtitles has for a film.
type Result struct {
	FileID    int64
	FileName  string
	Language  string
	Release   string
	Downloads int
	HashMatch bool // made for this very file, so in sync with it
}

// Download is a link to fetch one subtitle file.
type Download struct {
	Link      string
	FileName  string
	Remaining int // downloads left today
}

// Search finds subtitles for q, best first: those made for this very file,
// then the most downloaded.
func (c *OpenSubtitles) Search(ctx context.Context, q Query) ([]Result, error) {
	imdb := strings.TrimLeft(strings.TrimPrefix(strings.ToLower(q.ImdbID), "tt"), "0")
	if _, err := strconv.ParseUint(imdb, 10, 32); imdb != "" && err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not an IMDb id such as tt0133093.", q.ImdbID)
	}
	if len(q.MovieHash) != 0 && len(q.MovieHash) != 16 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "%q is not a movie hash.", q.MovieHash)
	}
	if imdb == "" && q.MovieHash == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "Searching subtitles needs the film's IMDb id or its movie hash.")
	}
	v := url.Values{}
	if imdb != "" {
		v.Set("imdb_id", imdb)
	}
	if q.MovieHash != "" {
		v.Set("moviehash", strings.ToLower(q.MovieHash))
	}
	if len(q.Languages) > 0 {
		langs := make([]string, 0, len(q.Languages))
		for _, l := range q.Languages {
			langs = append(langs, strings.ToLower(l))
		}
		slices.Sort(langs)
		v.Set("languages", strings.Join(slices.Compact(langs), ","))
	}
	var resp struct {
		Data []struct {
			Attributes struct {
				Language      string `json:"language"`
				Release       string `json:"release"`
				DownloadCount int    `json:"download_count"`
				HashMatch     bool   `json:"moviehash_match"`
				Files         []struct {
					FileID   int64  `json:"file_id"`
					FileName string `json:"file_name"`
				} `json:"files"`
			} `json:"attributes"`
		} `json:"data"`
	}
	// The API redirects queries whose parameters are not sorted; Encode
	// sorts them.
	if err := c.call(ctx, http.MethodGet, "/subtitles?"+v.Encode(), nil, &resp); err != nil {
		return nil, err
	}
	var out []Result
	for _, d := range resp.Data {
		a := d.Attributes
		for _, f := range a.Files {
			out = append(out, Result{FileID: f.FileID, FileName: f.FileName, Language: a.Language,
				Release: a.Release, Downloads: a.DownloadCount, HashMatch: a.HashMatch})
		}
	}
	slices.SortStableFunc(out, func(a, b Result) int {
		if a.HashMatch != b.HashMatch {
			if a.HashMatch {
				return -1
			}
			return 1
		}
		return b.Downloads - a.Downloads
	})
	return out, nil
}

// Download asks for a link to a subtitle file. Each call counts against
// the account's daily quota.
func (c *OpenSubtitles) Download(ctx context.Context, fileID int64) (*Download, error) {
	var resp struct {
		Link      string `json:"link"`
		FileName  string `json:"file_name"`
		Remaining int    `json:"remaining"`
	}
	if err := c.call(ctx, http.MethodPost, "/download", map[string]int64{"file_id": fileID}, &resp); err != nil {
		return nil, err
	}
	if resp.Link == "" {
		return nil, hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles gave no download link.")
	}
	return &Download{Link: resp.Link, FileName: resp.FileName, Remaining: resp.Remaining}, nil
}

// Fetch downloads the file of a download link.
func (c *OpenSubtitles) Fetch(ctx context.Context, d *Download) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.Link, nil)
	if err != nil {
		return nil, fmt.Errorf("opensubtitles: fetch: %w", err)
	}
	req.Header.Set("User-Agent", c.userAgent())
	res, err := c.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles cannot be reached."), err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, c.failure(res)
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, maxSubtitleSize+1))
	if err != nil {
		return nil, fmt.Errorf("opensubtitles: fetch: %w", err)
	}
	if len(b) > maxSubtitleSize {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file from OpenSubtitles is too large.")
	}
	return b, nil
}

// login gets a token and the base URL to use with it.
func (c *OpenSubtitles) login(ctx context.Context) (token, base string, err error) {
	var resp struct {
		Token   string `json:"token"`
		BaseURL string `json:"base_url"`
	}
	body := map[string]string{"username": c.Username, "password": c.Password}
	if err := c.do(ctx, c.root(), http.MethodPost, "/login", "", body, &resp); err != nil {
		return "", "", err
	}
	if resp.Token == "" {
		return "", "", hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles did not let us log in.")
	}
	base = c.root()
	if resp.BaseURL != "" {
		// A host name, such as "vip-api.opensubtitles.com", on our scheme.
		root, err := url.Parse(c.root())
		if err != nil {
			return "", "", err
		}
		host := resp.BaseURL
		if u, err := url.Parse(resp.BaseURL); err == nil && u.Host != "" {
			host = u.Host
		}
		root.Host = host
		base = root.String()
	}
	return resp.Token, base, nil
}

// call makes an authenticated call, logging in first if needed and once
// more if the token has expired.
func (c *OpenSubtitles) call(ctx context.Context, method, path string, body, out any) error {
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		token, base := c.token, c.base
		c.mu.Unlock()
		if token == "" {
			var err error
			if token, base, err = c.login(ctx); err != nil {
				return err
			}
			c.mu.Lock()
			c.token, c.base = token, base
			c.mu.Unlock()
		}
		err := c.do(ctx, base, method, path, token, body, out)
		var api *APIError
		if attempt == 0 && errors.As(err, &api) && api.Status == http.StatusUnauthorized {
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			continue
		}
		return err
	}
}

func (c *OpenSubtitles) do(ctx context.Context, base, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("opensubtitles: %w", err)
	}
	req.Header.Set("Api-Key", c.APIKey)
	req.Header.Set("User-Agent", c.userAgent())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles cannot be reached."), err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return c.failure(res)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 4<<20)).Decode(out); err != nil {
		return fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles answered something we do not understand."), err)
	}
	return nil
}

// failure turns an answer that is not a success into an error a person
// can read, with the API's details behind it.
func (c *OpenSubtitles) failure(res *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	var msg struct {
		Message string   `json:"message"`
		Errors  []string `json:"errors"`
	}
	api := &APIError{Status: res.StatusCode}
	if json.Unmarshal(b, &msg) == nil {
		api.Message = msg.Message
		if api.Message == "" && len(msg.Errors) > 0 {
			api.Message = strings.Join(msg.Errors, "; ")
		}
	}
	if api.Message == "" {
		api.Message = strings.TrimSpace(string(b[:min(len(b), 200)]))
	}
	var public *hypertube.Error
	switch res.StatusCode {
	case http.StatusNotAcceptable:
		public = hypertube.Errorf(hypertube.EUNAVAILABLE, "Today's OpenSubtitles download quota is used up: %s", api.Message)
	case http.StatusTooManyRequests:
		api.RetryAfter = retryAfter(res.Header.Get("Retry-After"))
		wait := "a moment"
		if api.RetryAfter > 0 {
			wait = api.RetryAfter.String()
		}
		public = hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles is busy; try again in %s.", wait)
	case http.StatusUnauthorized, http.StatusForbidden:
		public = hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles refused our account or API key.")
	case http.StatusNotFound:
		public = hypertube.Errorf(hypertube.ENOTFOUND, "OpenSubtitles has no such subtitle.")
	default:
		public = hypertube.Errorf(hypertube.EUNAVAILABLE, "OpenSubtitles is not working right now.")
	}
	return fmt.Errorf("%w: %w", public, api)
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string) time.Duration {
	if h = strings.TrimSpace(h); h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t).Round(time.Second), 0)
	}
	return 0
}

func (c *OpenSubtitles) root() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	return DefaultAPI
}

func (c *OpenSubtitles) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return "Hypertube v1"
}

func (c *OpenSubtitles) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}
