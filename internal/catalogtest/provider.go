// Package catalogtest has a catalog provider that answers from memory, for
// the tests of the packages that use providers.
package catalogtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// Provider is a catalog provider whose lists are made of Films: page p
// holds films (p-1)*PerPage … p*PerPage-1 (PerPage 0 means 10).
type Provider struct {
	Source  string
	Films   []catalog.Film
	PerPage int
	// Known answers Details by IMDb id; with DetailsFromFilms, Details
	// also finds the films of Films.
	Known            map[string]catalog.Film
	DetailsFromFilms bool
	Err              error         // every call fails with it
	Delay            time.Duration // before answering; the context is ignored, as a stuck client would

	mu    sync.Mutex
	calls map[string]int // "popular:2", "search:1", "details"
}

// Name implements catalog.Provider.
func (p *Provider) Name() string { return p.Source }

func (p *Provider) count(call string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[call]++
}

// Calls returns how many times call was made ("popular:1", "details", …),
// or all calls when call is empty.
func (p *Provider) Calls(call string) int {
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

func (p *Provider) wait() error {
	time.Sleep(p.Delay)
	return p.Err
}

func (p *Provider) page(films []catalog.Film, page int) catalog.Page {
	per := p.PerPage
	if per == 0 {
		per = 10
	}
	out := catalog.Page{Page: page, TotalPages: (len(films) + per - 1) / per}
	for i := (page - 1) * per; i < page*per && i < len(films); i++ {
		out.Films = append(out.Films, films[i])
	}
	return out
}

// Popular implements catalog.Provider.
func (p *Provider) Popular(ctx context.Context, page int) (catalog.Page, error) {
	p.count(fmt.Sprintf("popular:%d", page))
	if err := p.wait(); err != nil {
		return catalog.Page{}, err
	}
	return p.page(p.Films, page), nil
}

// Search implements catalog.Provider: films whose title contains query.
func (p *Provider) Search(ctx context.Context, query string, page int) (catalog.Page, error) {
	p.count(fmt.Sprintf("search:%d", page))
	if err := p.wait(); err != nil {
		return catalog.Page{}, err
	}
	var match []catalog.Film
	for _, f := range p.Films {
		if strings.Contains(strings.ToLower(f.Title), strings.ToLower(query)) {
			match = append(match, f)
		}
	}
	return p.page(match, page), nil
}

// Details implements catalog.Provider.
func (p *Provider) Details(ctx context.Context, ref catalog.Ref) (*catalog.Film, error) {
	p.count("details")
	if err := p.wait(); err != nil {
		return nil, err
	}
	if f, ok := p.Known[ref.IMDbID]; ok {
		return &f, nil
	}
	for _, f := range p.Films {
		if p.DetailsFromFilms && f.IMDbID != "" && f.IMDbID == ref.IMDbID {
			return &f, nil
		}
	}
	return nil, hypertube.Errorf(hypertube.ENOTFOUND, "%s does not know this film.", p.Source)
}

// CallLog returns every call made so far and how often, for messages.
func (p *Provider) CallLog() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	log := make(map[string]int, len(p.calls))
	for k, v := range p.calls {
		log[k] = v
	}
	return log
}
