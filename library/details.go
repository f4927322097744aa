package library

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// Details returns a film with the details the lists leave out (director,
// producers, cast, runtime, summary, poster, IMDb rating) asked of every
// provider once per TTL and stored. OMDb wins for the rating and the
// details, being IMDb's own data. Providers that fail leave the film as it
// was.
func (s *Service) Details(ctx context.Context, movieID int64) (*hypertube.Movie, error) {
	m, err := s.Movies.FindMovieByID(ctx, movieID)
	if err != nil {
		return nil, err
	}
	key := "library:detailed:" + strconv.FormatInt(m.ID, 10)
	var done bool
	if s.getCache(ctx, key, &done) && done {
		return m, nil
	}
	f, complete, found := s.fetchDetails(ctx, m)
	if found {
		if err := s.applyDetails(ctx, m, f); err != nil {
			return nil, err
		}
	}
	if complete {
		s.putCache(ctx, key, true)
	}
	return m, nil
}

// applyDetails stores what the providers said of m.
func (s *Service) applyDetails(ctx context.Context, m *hypertube.Movie, f catalog.Film) error {
	omdb := firstOf(f.Sources) == catalog.SourceOMDb
	str := func(dst *string, v string) {
		if v != "" && (omdb || *dst == "") {
			*dst = v
		}
	}
	list := func(dst *[]string, v []string) {
		if len(v) > 0 && (omdb || len(*dst) == 0) {
			*dst = slices.Clone(v)
		}
	}
	str(&m.Summary, f.Summary)
	str(&m.Poster, f.PosterURL)
	str(&m.Director, f.Director)
	list(&m.Producers, f.Producers)
	list(&m.Cast, f.Cast)
	list(&m.Genres, f.Genres)
	if f.Runtime > 0 && (omdb || m.Runtime == 0) {
		m.Runtime = f.Runtime
	}
	if f.Rating > 0 && f.Rating <= 10 && (slices.Contains(f.Sources, catalog.SourceOMDb) || m.Rating == 0) {
		m.Rating = f.Rating
	}
	if m.OriginalTitle == "" && f.OriginalTitle != m.Title {
		m.OriginalTitle = f.OriginalTitle
	}
	if m.ImdbID == "" && f.IMDbID != "" {
		// Only when no other film has it: the store keeps IMDb ids unique.
		other, _, err := s.Movies.FindMovies(ctx, hypertube.MovieFilter{ImdbID: f.IMDbID, Limit: 1})
		if err == nil && len(other) == 0 {
			m.ImdbID = f.IMDbID
		}
	}
	if err := s.Movies.UpdateMovie(ctx, m); err != nil {
		return err
	}
	s.saveReleases(ctx, m.ID, f.Torrents)
	return nil
}

// fetchDetails asks every provider what it knows of m and merges the
// answers that are about m. complete is false when a provider failed, so
// that the next call asks again; found is false when nobody knew the film.
func (s *Service) fetchDetails(ctx context.Context, m *hypertube.Movie) (f catalog.Film, complete, found bool) {
	r := s.loadRefs(ctx, m.ID)
	films := make([]*catalog.Film, len(s.Providers))
	failed := make([]bool, len(s.Providers))
	var wg sync.WaitGroup
	for i, pr := range s.Providers {
		ref := catalog.Ref{ID: r.IDs[pr.Name()], TMDbID: r.TMDbID, IMDbID: m.ImdbID, Title: m.Title, Year: m.Year}
		if pr.Name() == catalog.SourceBuiltin && ref.ID == "" {
			ref.ID = m.InfoHash // the built-in provider's id of a film
		}
		wg.Go(func() { films[i], failed[i] = s.askDetails(ctx, pr, ref) })
	}
	wg.Wait()
	complete = !slices.Contains(failed, true)

	// Only answers about this very film are merged, and all as one film:
	// OMDb, asked by title, may answer with a namesake.
	var same []catalog.Film
	imdb := m.ImdbID
	for _, film := range films {
		if film == nil || !isFilm(m, *film) {
			continue
		}
		if imdb == "" {
			imdb = film.IMDbID
		}
		same = append(same, *film)
	}
	if len(same) == 0 {
		return catalog.Film{}, complete, false
	}
	const placeholder = "tt0000000" // joins films that name no IMDb id
	for i := range same {
		same[i].IMDbID = imdb
		if imdb == "" {
			same[i].IMDbID = placeholder
		}
	}
	f = catalog.Merge(same)[0]
	if f.IMDbID == placeholder {
		f.IMDbID = ""
	}
	return f, complete, true
}

// isFilm tells whether a provider's answer is about m.
func isFilm(m *hypertube.Movie, f catalog.Film) bool {
	if m.ImdbID != "" && f.IMDbID != "" {
		return m.ImdbID == f.IMDbID
	}
	if m.Year != 0 && f.Year != 0 && (f.Year < m.Year-1 || f.Year > m.Year+1) {
		return false
	}
	key := catalog.TitleKey(m.Title)
	for _, t := range append([]string{f.Title, f.OriginalTitle}, f.AlternativeTitles...) {
		if t != "" && catalog.TitleKey(t) == key {
			return true
		}
	}
	return false
}

// askDetails asks one provider about one film, from the cache when it was
// asked within the TTL. A film the provider does not know is cached too,
// as null, so that it is not asked again.
func (s *Service) askDetails(ctx context.Context, pr catalog.Provider, ref catalog.Ref) (film *catalog.Film, failed bool) {
	name := pr.Name()
	var id string
	switch {
	case ref.ID != "":
		id = "id:" + ref.ID
	case ref.TMDbID != 0 && name == catalog.SourceTMDB:
		id = "tmdb:" + strconv.Itoa(ref.TMDbID)
	case ref.IMDbID != "":
		id = "imdb:" + ref.IMDbID
	default:
		id = "title:" + ref.Title + "|" + strconv.Itoa(ref.Year)
	}
	key := "library:details:" + name + ":" + id
	if s.getCache(ctx, key, &film) {
		return film, false
	}
	if s.isDown(name) {
		return nil, true
	}
	film, err := withTimeout(ctx, s.timeout(), func(ctx context.Context) (*catalog.Film, error) {
		return pr.Details(ctx, ref)
	})
	switch code := hypertube.ErrorCode(err); {
	case ctx.Err() != nil:
		return nil, true
	case code == hypertube.EINVALID:
		// The provider cannot name this film from what we know of it.
		return nil, false
	case code == hypertube.ENOTFOUND:
		s.putCache(ctx, key, (*catalog.Film)(nil))
		return nil, false
	case err != nil:
		s.log().Warn("library: provider details failed", "provider", name, "ref", id, "err", err)
		s.markDown(name, true)
		return nil, true
	}
	s.markDown(name, false)
	if film != nil {
		film = new(*film)
		film.Torrents = slices.Clone(film.Torrents)
		if len(film.Sources) == 0 {
			film.Sources = []string{name}
		}
		for k := range film.Torrents {
			if film.Torrents[k].Source == "" {
				film.Torrents[k].Source = name
			}
		}
	}
	s.putCache(ctx, key, film)
	return film, false
}
