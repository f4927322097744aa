package library_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/library"
	"github.com/hypertube/hypertube/store"
)

// fakeProvider is a catalog provider whose lists are made of films[...]:
// page p holds films (p-1)*perPage … p*perPage-1.
type fakeProvider struct {
	name    string
	films   []catalog.Film
	perPage int
	details map[string]catalog.Film // by IMDb id
	err     error                   // every call fails with it
	delay   time.Duration           // before answering; the context is ignored, as a stuck client would

	mu    sync.Mutex
	calls map[string]int // "popular:2", "search:1", "details"
}

func (p *fakeProvider) Name() string { return p.name }

func (p *fakeProvider) count(call string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[call]++
}

// Calls returns how many times call was made ("popular:1", "details", …),
// or all calls when call is empty.
func (p *fakeProvider) Calls(call string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if call != "" {
		return p.calls[call]
	}
	n := 0
	for _, c := range p.calls {
		n += c
	}
	return n
}

func (p *fakeProvider) wait() error {
	time.Sleep(p.delay)
	return p.err
}

func (p *fakeProvider) page(films []catalog.Film, page int) catalog.Page {
	per := p.perPage
	if per == 0 {
		per = 10
	}
	out := catalog.Page{Page: page, TotalPages: (len(films) + per - 1) / per}
	for i := (page - 1) * per; i < page*per && i < len(films); i++ {
		out.Films = append(out.Films, films[i])
	}
	return out
}

func (p *fakeProvider) Popular(ctx context.Context, page int) (catalog.Page, error) {
	p.count(fmt.Sprintf("popular:%d", page))
	if err := p.wait(); err != nil {
		return catalog.Page{}, err
	}
	return p.page(p.films, page), nil
}

func (p *fakeProvider) Search(ctx context.Context, query string, page int) (catalog.Page, error) {
	p.count(fmt.Sprintf("search:%d", page))
	if err := p.wait(); err != nil {
		return catalog.Page{}, err
	}
	var match []catalog.Film
	for _, f := range p.films {
		if strings.Contains(strings.ToLower(f.Title), strings.ToLower(query)) {
			match = append(match, f)
		}
	}
	return p.page(match, page), nil
}

func (p *fakeProvider) Details(ctx context.Context, ref catalog.Ref) (*catalog.Film, error) {
	p.count("details")
	if err := p.wait(); err != nil {
		return nil, err
	}
	f, ok := p.details[ref.IMDbID]
	if !ok {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "%s does not know this film.", p.name)
	}
	return &f, nil
}

// film is the i-th film of the fake catalogs: its IMDb id and title
// depend on i only, so two sources can list the same film.
func film(i int, source, id string) catalog.Film {
	return catalog.Film{
		IMDbID:  fmt.Sprintf("tt%07d", 1000000+i),
		ID:      id,
		Title:   fmt.Sprintf("Film %03d", i),
		Year:    1990 + i%30,
		Rating:  float64(i%10) + 0.5,
		Genres:  []string{[]string{"Drama", "Comedy", "Horror"}[i%3]},
		Sources: []string{source},
	}
}

// films are films from to to-1 of a source.
func films(source string, from, to int) []catalog.Film {
	var out []catalog.Film
	for i := from; i < to; i++ {
		out = append(out, film(i, source, fmt.Sprintf("%s-%d", source, i)))
	}
	return out
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	svc      *library.Service
	movies   *store.MovieService
	releases *store.ReleaseService
	clock    *clock
}

// newService returns a Service over a new SQLite store.
func newService(t testing.TB, providers ...catalog.Provider) env {
	t.Helper()
	db, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Now()}
	e := env{
		movies:   store.NewMovieService(db),
		releases: store.NewReleaseService(db),
		clock:    c,
	}
	e.svc = &library.Service{
		Providers: providers,
		Movies:    e.movies,
		Releases:  e.releases,
		Cache:     store.NewCacheService(db),
		Timeout:   300 * time.Millisecond,
		Now:       c.Now,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return e
}

func titles(ms []*hypertube.Movie) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Title
	}
	return out
}
