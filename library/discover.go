package library

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// Discover returns one page of the discover screen. Without Text, the
// sources' popular films, most popular first; with Text, the films whose
// title holds it, by name. Providers are asked only for the pages the store
// lacks, concurrently, each within Timeout; one that fails is named in
// Result.Down and the page is made of the others.
func (s *Service) Discover(ctx context.Context, q Query) (Result, error) {
	q, err := cleanQuery(q)
	if err != nil {
		return Result{}, err
	}
	list := listing{text: q.Text}
	last := min(q.Page, maxProviderPages)
	var down []string
	providersMore := true
	for p := 1; p <= last; p++ {
		// Page 1 is always looked at, so that a library full of other films
		// still shows what is popular now; later pages only when the store
		// cannot fill the page without them.
		if p > 1 {
			enough, err := s.storeHas(ctx, list, p*q.PageSize)
			if err != nil {
				return Result{}, err
			}
			if enough {
				providersMore = true
				continue
			}
		}
		n, more, err := s.loadPage(ctx, list, p)
		if err != nil {
			return Result{}, err
		}
		for _, name := range n {
			down = appendNew(down, name)
		}
		providersMore = more
	}

	movies, total, err := s.Movies.FindMovies(ctx, hypertube.MovieFilter{
		Query:     q.Text,
		Genre:     q.Genre,
		MinYear:   q.MinYear,
		MaxYear:   q.MaxYear,
		MinRating: q.MinRating,
		MaxRating: q.MaxRating,
		Sort:      q.Sort,
		Desc:      q.Desc,
		Offset:    (q.Page - 1) * q.PageSize,
		Limit:     q.PageSize,
	})
	if err != nil {
		return Result{}, err
	}
	shown := (q.Page-1)*q.PageSize + len(movies)
	return Result{
		Movies:   movies,
		Total:    total,
		Page:     q.Page,
		PageSize: q.PageSize,
		HasMore:  shown < total || (providersMore && q.Page < maxProviderPages),
		Down:     down,
	}, nil
}

// cleanQuery checks q and fills in its defaults. The store checks the
// filters again; checking here spares the providers a useless request.
func cleanQuery(q Query) (Query, error) {
	q.Text = strings.Join(strings.Fields(q.Text), " ")
	q.Genre = strings.TrimSpace(q.Genre)
	switch {
	case utf8.RuneCountInString(q.Text) > maxQueryLen:
		return q, hypertube.Errorf(hypertube.EINVALID, "The search is too long: %d characters at most.", maxQueryLen)
	case !utf8.ValidString(q.Text) || strings.ContainsFunc(q.Text, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return q, hypertube.Errorf(hypertube.EINVALID, "The search holds characters that are not text.")
	case q.Page < 0:
		return q, hypertube.Errorf(hypertube.EINVALID, "Pages count from 1.")
	case q.PageSize < 0:
		return q, hypertube.Errorf(hypertube.EINVALID, "A page cannot hold a negative number of films.")
	case q.MinYear < 0 || q.MaxYear < 0 || q.MinYear > 9999 || q.MaxYear > 9999:
		return q, hypertube.Errorf(hypertube.EINVALID, "A year is between 1 and 9999.")
	case q.MaxYear > 0 && q.MinYear > q.MaxYear:
		return q, hypertube.Errorf(hypertube.EINVALID, "The first year, %d, comes after the last, %d.", q.MinYear, q.MaxYear)
	case math.IsNaN(q.MinRating) || math.IsNaN(q.MaxRating) || q.MinRating < 0 || q.MaxRating < 0 || q.MinRating > 10 || q.MaxRating > 10:
		return q, hypertube.Errorf(hypertube.EINVALID, "A rating is between 0 and 10.")
	case q.MaxRating > 0 && q.MinRating > q.MaxRating:
		return q, hypertube.Errorf(hypertube.EINVALID, "The lowest rating, %g, is above the highest, %g.", q.MinRating, q.MaxRating)
	}
	switch q.Sort {
	case "":
		if q.Text == "" {
			q.Sort, q.Desc = hypertube.SortPopularity, true
		} else {
			q.Sort = hypertube.SortName
		}
	case hypertube.SortName, hypertube.SortYear, hypertube.SortRating, hypertube.SortPopularity:
	default:
		return q, hypertube.Errorf(hypertube.EINVALID, "Films can be sorted by name, year, rating or popularity, not %q.", q.Sort)
	}
	q.Page = max(q.Page, 1)
	if q.PageSize == 0 {
		q.PageSize = DefaultPageSize
	}
	q.PageSize = min(q.PageSize, MaxPageSize)
	return q, nil
}

// listing is one list the providers offer: the popular films, or the
// answers to a search.
type listing struct {
	text string // empty for the popular films
}

func (l listing) key(provider string, page int) string {
	if l.text == "" {
		return fmt.Sprintf("library:popular:%s:%d", provider, page)
	}
	return fmt.Sprintf("library:search:%s:%d:%s", provider, page, strings.ToLower(l.text))
}

func (l listing) fetch(ctx context.Context, p catalog.Provider, page int) (catalog.Page, error) {
	if l.text == "" {
		return p.Popular(ctx, page)
	}
	return p.Search(ctx, l.text, page)
}

// storeHas tells whether the store holds n films of the listing: popular
// ones (popularity above 0), or ones whose title holds the search. One
// indexed row is read, not n.
func (s *Service) storeHas(ctx context.Context, l listing, n int) (bool, error) {
	f := hypertube.MovieFilter{Query: l.text, Offset: n - 1, Limit: 1}
	if l.text == "" {
		f.Sort, f.Desc = hypertube.SortPopularity, true
	}
	movies, _, err := s.Movies.FindMovies(ctx, f)
	if err != nil {
		return false, err
	}
	return len(movies) == 1 && (l.text != "" || movies[0].Popularity > 0), nil
}

// answer is what one provider said about one page of a listing.
type answer struct {
	source string
	page   catalog.Page
	ok     bool // page holds an answer, cached or fresh
	fresh  bool // asked now rather than read from the cache
	failed bool // the provider did not answer: the viewer is told
	key    string
	done   func() // ends this request's turn to fetch key
}

// loadPage makes sure page p of every provider's listing has been stored
// within the TTL. down names the providers that did not answer; more tells
// whether any provider may have further pages.
func (s *Service) loadPage(ctx context.Context, l listing, p int) (down []string, more bool, err error) {
	answers := make([]answer, len(s.Providers))
	var wg sync.WaitGroup
	for i, pr := range s.Providers {
		wg.Go(func() { answers[i] = s.ask(ctx, pr, l, p) })
	}
	wg.Wait()
	// Viewers waiting for the same page go on once its films are stored
	// and cached, not before: they would find the store without them.
	defer func() {
		for _, a := range answers {
			if a.done != nil {
				a.done()
			}
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	fresh := false
	var lists [][]catalog.Film
	for _, a := range answers {
		switch {
		case a.failed:
			down = append(down, sourceName(a.source))
			more = true
		case a.ok:
			fresh = fresh || a.fresh
			more = more || (len(a.page.Films) > 0 && a.page.TotalPages > p)
			lists = append(lists, scoreList(a.source, a.page, p, l.text == ""))
		}
	}
	if fresh {
		// Cached pages are merged again with the fresh ones: a film listed
		// by two sources gets the details and popularity of both.
		s.saveFilms(ctx, catalog.Merge(lists...), l.text == "")
		for _, a := range answers {
			if a.fresh {
				s.putCache(ctx, a.key, a.page)
			}
		}
	}
	return down, more, nil
}

// ask returns page p of one provider's listing, from the cache when it is
// there.
func (s *Service) ask(ctx context.Context, pr catalog.Provider, l listing, p int) answer {
	name := pr.Name()
	a := answer{source: name}
	key := l.key(name, p)
	if page, ok := s.cachedPage(ctx, key); ok {
		a.page, a.ok = page, true
		return a
	}
	if p > 1 {
		// A list that ended on the previous page has nothing more.
		if prev, ok := s.cachedPage(ctx, l.key(name, p-1)); ok && (len(prev.Films) == 0 || prev.TotalPages < p) {
			a.page, a.ok = catalog.Page{Page: p, TotalPages: prev.TotalPages}, true
			return a
		}
	}
	if s.isDown(name) {
		a.failed = true
		return a
	}
	done, err := s.join(ctx, key)
	if err != nil {
		return a
	}
	if page, ok := s.cachedPage(ctx, key); ok {
		done()
		a.page, a.ok = page, true
		return a
	}
	// From here the caller ends the turn, once the page is stored.
	a.done = done

	page, err := withTimeout(ctx, s.timeout(), func(ctx context.Context) (catalog.Page, error) {
		return l.fetch(ctx, pr, p)
	})
	switch {
	case ctx.Err() != nil:
		return a // the viewer left; nothing to tell
	case hypertube.ErrorCode(err) == hypertube.EINVALID:
		// This source cannot read this search (say, only punctuation):
		// it has nothing to add, it is not down.
		s.log().Info("library: provider refused the request", "provider", name, "page", p, "err", err)
		return a
	case err != nil:
		s.log().Warn("library: provider failed", "provider", name, "page", p, "err", err)
		s.markDown(name, true)
		a.failed = true
		return a
	}
	s.markDown(name, false)
	a.page, a.ok, a.fresh, a.key = page, true, true, key
	return a
}

// withTimeout calls f with a deadline and gives up at the deadline even if
// f does not watch its context.
func withTimeout[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("no answer within %v: %w", d, ctx.Err())
	}
}

func (s *Service) cachedPage(ctx context.Context, key string) (catalog.Page, bool) {
	var page catalog.Page
	return page, s.getCache(ctx, key, &page)
}

// getCache decodes the value under key into v. A cache that fails is only
// logged: the providers are asked instead.
func (s *Service) getCache(ctx context.Context, key string, v any) bool {
	b, ok, err := s.Cache.Get(ctx, key, s.now())
	if err != nil {
		s.log().Warn("library: cache read failed", "key", key, "err", err)
		return false
	}
	if !ok {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		s.log().Warn("library: cached value unreadable", "key", key, "err", err)
		return false
	}
	return true
}

func (s *Service) putCache(ctx context.Context, key string, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		err = s.Cache.Put(ctx, key, b, s.now().Add(s.ttl()))
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.log().Warn("library: cache write failed", "key", key, "err", err)
	}
}

// sourceWeight scales a source's ranks: the built-in films are always all
// on page 1, which says nothing of how popular they are.
var sourceWeight = map[string]float64{catalog.SourceBuiltin: 0.3}

// scoreList prepares a provider's page for Merge: every film names its
// source, and, for popular lists, its popularity becomes a score of its
// rank in the provider's list, since each source has its own scale and the
// list is in the order of that scale. Merge keeps the best score of a film.
func scoreList(source string, page catalog.Page, p int, popular bool) []catalog.Film {
	films := slices.Clone(page.Films)
	for j := range films {
		f := &films[j]
		if len(f.Sources) == 0 {
			f.Sources = []string{source}
		}
		f.Torrents = slices.Clone(f.Torrents)
		for k := range f.Torrents {
			if f.Torrents[k].Source == "" {
				f.Torrents[k].Source = source
			}
		}
		f.Popularity = 0
		if popular {
			w, ok := sourceWeight[source]
			if !ok {
				w = 1
			}
			rank := float64((p-1)*len(films) + j)
			f.Popularity = w * 100 * 20 / (20 + rank)
		}
	}
	return films
}

// popularity blends a merged film's rank score with its torrents' seeders
// and downloads, and favours films that several sources list.
func popularity(f catalog.Film) float64 {
	seeders, downloads := 0, 0
	for _, r := range f.Torrents {
		seeders = max(seeders, r.Seeders)
		downloads += r.Downloads
	}
	p := f.Popularity * (1 + 0.25*float64(max(len(f.Sources)-1, 0)))
	p += 10*math.Log10(1+float64(seeders)) + 5*math.Log10(1+float64(downloads))
	return math.Round(p*100) / 100
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
