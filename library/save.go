package library

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
)

// refs are the ids each source gave a film, kept so that Details can ask
// each source about the film it listed; the store has no column for them.
type refs struct {
	TMDbID int               `json:"tmdb,omitempty"`
	IDs    map[string]string `json:"ids,omitempty"` // source → its id of the film
}

// refsTTL is long: ids do not change, and without them TMDB cannot be asked
// about a film it listed without an IMDb id.
const refsTTL = 365 * 24 * time.Hour

func refsKey(movieID int64) string { return "library:refs:" + strconv.FormatInt(movieID, 10) }

// saveFilms stores merged films and their releases. A film that cannot be
// stored is logged and left out: the rest of the page still shows.
func (s *Service) saveFilms(ctx context.Context, films []catalog.Film, popular bool) {
	for _, f := range films {
		if ctx.Err() != nil {
			return
		}
		if _, err := s.saveFilm(ctx, f, popular); err != nil {
			s.log().Warn("library: film not stored", "title", f.Title, "year", f.Year, "imdb", f.IMDbID, "err", err)
		}
	}
}

// saveFilm stores what the sources say of f: a new film, or the film
// already stored, updated. It returns the stored film.
func (s *Service) saveFilm(ctx context.Context, f catalog.Film, popular bool) (*hypertube.Movie, error) {
	m, err := s.findStored(ctx, f)
	if err != nil {
		return nil, err
	}
	pop := popularity(f)
	if m == nil {
		m = &hypertube.Movie{Source: firstOf(f.Sources)}
		// The built-in films are playable as they are: their one torrent is
		// theirs. Other films get one from ChooseRelease.
		for _, r := range f.Torrents {
			if r.Source == catalog.SourceBuiltin && r.InfoHash != "" {
				m.InfoHash, m.Magnet = r.InfoHash, r.Magnet
			}
		}
		fill(m, f, true)
		m.Popularity = pop
		if err := s.Movies.CreateMovie(ctx, m); err != nil {
			return nil, err
		}
	} else {
		fill(m, f, false)
		// A film listed by another page or search keeps the higher score it
		// got from a list seen within the TTL; popular lists refreshed after
		// the TTL may lower it.
		fresh := s.now().Sub(m.UpdatedAt) < s.ttl()
		if !popular || (fresh && m.Popularity > pop) {
			pop = max(pop, m.Popularity)
		}
		m.Popularity = pop
		if err := s.Movies.UpdateMovie(ctx, m); err != nil {
			return nil, err
		}
	}
	s.saveReleases(ctx, m.ID, f.Torrents)
	s.saveRefs(ctx, m.ID, f)
	return m, nil
}

// findStored returns the stored film that f is, or nil: the one with its
// IMDb id, else one holding one of its torrents, else one with its title
// and year (and no other IMDb id).
func (s *Service) findStored(ctx context.Context, f catalog.Film) (*hypertube.Movie, error) {
	if f.IMDbID != "" {
		ms, _, err := s.Movies.FindMovies(ctx, hypertube.MovieFilter{ImdbID: f.IMDbID, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 {
			return ms[0], nil
		}
	}
	for _, r := range f.Torrents {
		if r.InfoHash == "" {
			continue
		}
		m, err := s.Movies.FindMovieByInfoHash(ctx, r.InfoHash)
		switch hypertube.ErrorCode(err) {
		case "":
			if m.ImdbID == "" || f.IMDbID == "" || m.ImdbID == f.IMDbID {
				return m, nil
			}
		case hypertube.ENOTFOUND, hypertube.EINVALID:
		default:
			return nil, err
		}
	}
	if f.Year == 0 || f.Title == "" {
		return nil, nil
	}
	want := catalog.TitleKey(f.Title)
	ms, _, err := s.Movies.FindMovies(ctx, hypertube.MovieFilter{Query: f.Title, MinYear: f.Year, MaxYear: f.Year, Limit: 50})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if catalog.TitleKey(m.Title) == want && (m.ImdbID == "" || f.IMDbID == "" || m.ImdbID == f.IMDbID) {
			return m, nil
		}
	}
	return nil, nil
}

// fill copies what f knows into m. A new film takes everything; a stored
// one keeps what the lists leave out (they are thinner than details), its
// torrent and its source.
func fill(m *hypertube.Movie, f catalog.Film, all bool) {
	str := func(dst *string, v string) {
		if v != "" || all {
			*dst = v
		}
	}
	list := func(dst *[]string, v []string) {
		if len(v) > 0 || all {
			*dst = slices.Clone(v)
		}
	}
	str(&m.Title, f.Title)
	str(&m.OriginalTitle, f.OriginalTitle)
	str(&m.Summary, f.Summary)
	str(&m.Poster, f.PosterURL)
	str(&m.Director, f.Director)
	m.ImdbID = cmp.Or(m.ImdbID, f.IMDbID)
	m.Year = cmp.Or(f.Year, m.Year)
	m.Runtime = cmp.Or(f.Runtime, m.Runtime)
	if f.Rating > 0 && f.Rating <= 10 {
		m.Rating = f.Rating
	}
	list(&m.Genres, f.Genres)
	list(&m.Producers, f.Producers)
	list(&m.Cast, f.Cast)
	if m.OriginalTitle == m.Title {
		m.OriginalTitle = ""
	}
	for _, r := range f.Torrents {
		if m.InfoHash == "" || r.InfoHash == m.InfoHash {
			m.Seeders = max(m.Seeders, r.Seeders)
		}
	}
}

// saveReleases replaces, source by source, the releases of a film with
// those the sources list now. Sources that listed none keep theirs: a list
// page often leaves torrents out.
func (s *Service) saveReleases(ctx context.Context, movieID int64, torrents []catalog.Release) {
	bySource := map[string][]hypertube.Release{}
	var sources []string
	for _, r := range torrents {
		if r.InfoHash == "" && r.TorrentURL == "" {
			continue
		}
		if _, ok := bySource[r.Source]; !ok {
			sources = append(sources, r.Source)
		}
		bySource[r.Source] = append(bySource[r.Source], releaseOf(r))
	}
	for _, src := range sources {
		if err := s.Releases.SetReleases(ctx, movieID, src, bySource[src]); err != nil {
			s.log().Warn("library: releases not stored", "movie", movieID, "source", src, "err", err)
		}
	}
}

func (s *Service) saveRefs(ctx context.Context, movieID int64, f catalog.Film) {
	r := s.loadRefs(ctx, movieID)
	r.TMDbID = cmp.Or(f.TMDbID, r.TMDbID)
	if f.ID != "" && len(f.Sources) > 0 {
		if r.IDs == nil {
			r.IDs = map[string]string{}
		}
		// Merge keeps the id of the first source that gave one.
		r.IDs[f.Sources[0]] = f.ID
	}
	if r.TMDbID == 0 && len(r.IDs) == 0 {
		return
	}
	b, err := json.Marshal(r)
	if err == nil {
		err = s.Cache.Put(ctx, refsKey(movieID), b, s.now().Add(refsTTL))
	}
	if err != nil {
		s.log().Warn("library: film ids not kept", "movie", movieID, "err", err)
	}
}

func (s *Service) loadRefs(ctx context.Context, movieID int64) refs {
	var r refs
	s.getCache(ctx, refsKey(movieID), &r)
	return r
}

func releaseOf(r catalog.Release) hypertube.Release {
	return hypertube.Release{
		Name:       cmp.Or(r.Name, r.InfoHash),
		InfoHash:   r.InfoHash,
		Magnet:     r.Magnet,
		TorrentURL: r.TorrentURL,
		Size:       r.Size,
		Seeders:    r.Seeders,
		Peers:      r.Peers,
		Quality:    r.Quality,
		Codec:      r.Codec,
		Source:     r.Source,
	}
}

func catalogRelease(r hypertube.Release) catalog.Release {
	return catalog.Release{
		Name:       r.Name,
		InfoHash:   r.InfoHash,
		Magnet:     r.Magnet,
		TorrentURL: r.TorrentURL,
		Size:       r.Size,
		Seeders:    r.Seeders,
		Peers:      r.Peers,
		Quality:    r.Quality,
		Codec:      r.Codec,
		Source:     r.Source,
	}
}

func firstOf(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

func movieRef(m *hypertube.Movie) string {
	return fmt.Sprintf("%q (%d)", m.Title, m.Year)
}
