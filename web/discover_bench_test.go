package web_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/internal/catalogtest"
	"github.com/hypertube/hypertube/library"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/web"
)

// BenchmarkDiscoverPage measures the discover page and its JSON pages over
// a 10,000-film SQLite library, as a signed-in viewer with films watched
// sees them, providers answered from the cache: what most page views
// cost. It reports the median besides the mean; the target is 50 ms.
func BenchmarkDiscoverPage(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, "", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	movies, watches := store.NewMovieService(db), store.NewWatchService(db)
	films := seedFilms(b, movies, 10000)
	var provided []catalog.Film
	for _, f := range films[:40] {
		provided = append(provided, catalog.Film{Title: f.Title, Year: f.Year, IMDbID: f.ImdbID, Popularity: f.Popularity})
	}
	source := &catalogtest.Provider{DetailsFromFilms: true, Source: catalog.SourceTMDB, Films: provided}
	srv, err := web.New(web.Config{
		Movies: movies, Engine: newFakeEngine(), Users: store.NewUserService(db), Sessions: store.NewSessionService(db),
		Resets: store.NewResetService(db), Watches: watches, Mailer: newFakeMailer(), Comments: store.NewCommentService(db),
		Library: &library.Service{Providers: []catalog.Provider{source}, Movies: movies,
			Releases: store.NewReleaseService(db), Cache: store.NewCacheService(db)},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client := signUpForBench(b, ts.URL)
	users := store.NewUserService(db)
	me, err := users.FindUserByLogin(ctx, "bencher")
	if err != nil {
		b.Fatal(err)
	}
	for i, f := range films[:300] {
		if err := watches.RecordWatch(ctx, me.ID, f.ID, float64(i%100), 100, time.Now().Add(-time.Duration(i)*time.Minute)); err != nil {
			b.Fatal(err)
		}
	}

	paths := map[string]string{
		"page":              "/",
		"page-genre+years":  "/?genre=Horror&year_min=1980&year_max=1999&sort=year",
		"page-search":       "/?q=film+00",
		"json-page5":        "/discover.json?page=5",
		"json-rating,name":  "/discover.json?rating_min=5&sort=name&page=3",
		"json-genre+rating": "/discover.json?genre=Drama&rating_min=2&rating_max=8&sort=rating&page=2",
	}
	names := make([]string, 0, len(paths))
	for name := range paths {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		path := paths[name]
		// Warm the cache: the provider is asked here, not in the loop.
		benchGet(b, client, ts.URL+path)
		calls := source.Calls("")
		b.Run(name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				start := time.Now()
				benchGet(b, client, ts.URL+path)
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			if n := source.Calls(""); n != calls {
				b.Fatalf("%d provider calls during the benchmark; want none", n-calls)
			}
		})
	}
}

func benchGet(b *testing.B, client *http.Client, u string) {
	resp, err := client.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Film ") {
		b.Fatalf("GET %s: %d %.200s", u, resp.StatusCode, body)
	}
}

// signUpForBench makes the account "bencher" through the form and returns
// a client signed in as it.
func signUpForBench(b *testing.B, base string) *http.Client {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/signup")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfMeta.FindSubmatch(page)
	if m == nil {
		b.Fatal("no CSRF token on the sign-up page")
	}
	resp, err = client.PostForm(base+"/signup", url.Values{
		"csrf": {html.UnescapeString(string(m[1]))}, "email": {"bencher@example.org"}, "username": {"bencher"},
		"first_name": {"Ben"}, "last_name": {"Cher"}, "password": {testPassword},
	})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign up: %d", resp.StatusCode)
	}
	return client
}
