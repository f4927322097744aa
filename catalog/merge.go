package catalog

import (
	"cmp"
	"slices"
	"strconv"
)

// precedence orders sources for details: the first that knows a field
// gives it. OMDb comes first, being IMDb's own data.
var precedence = []string{SourceOMDb, SourceTMDB, SourceYTS, SourceArchive, SourceBuiltin}

// ratingPrecedence differs in one place: YTS shows IMDb's rating while
// TMDB's is its own users' vote, and Film.Rating is IMDb's where known.
var ratingPrecedence = []string{SourceOMDb, SourceYTS, SourceTMDB, SourceArchive, SourceBuiltin}

func rank(order []string, source string) int {
	if i := slices.Index(order, source); i >= 0 {
		return i
	}
	return len(order)
}

// firstSource is the source that gave a film its details.
func firstSource(f Film) string {
	if len(f.Sources) == 0 {
		return ""
	}
	return f.Sources[0]
}

// Merge joins the lists of several providers into one list with each film
// once. Films are the same when they share an IMDb id, or, when one of
// them has none, the same TitleKey and year. Details come from the source
// of highest precedence that has them (omdb, tmdb, yts, archive, builtin),
// popularity is the highest any source gave, torrents are the union by info
// hash with the highest seeder counts. The order is that of each film's
// first appearance. The input is not modified.
func Merge(lists ...[]Film) []Film {
	var groups [][]Film
	byIMDb := map[string]int{}
	byTitle := map[string]int{}
	groupIMDb := func(g int) string {
		for _, f := range groups[g] {
			if f.IMDbID != "" {
				return f.IMDbID
			}
		}
		return ""
	}
	for _, list := range lists {
		for _, f := range list {
			g, found := -1, false
			if f.IMDbID != "" {
				g, found = byIMDb[f.IMDbID]
			}
			keys := titleKeys(f)
			for _, k := range keys {
				if found {
					break
				}
				if i, ok := byTitle[k]; ok {
					if id := groupIMDb(i); id == "" || f.IMDbID == "" || id == f.IMDbID {
						g, found = i, true
					}
				}
			}
			if !found {
				g = len(groups)
				groups = append(groups, nil)
			}
			groups[g] = append(groups[g], f)
			if f.IMDbID != "" {
				if _, ok := byIMDb[f.IMDbID]; !ok {
					byIMDb[f.IMDbID] = g
				}
			}
			for _, k := range keys {
				if _, ok := byTitle[k]; !ok {
					byTitle[k] = g
				}
			}
		}
	}
	out := make([]Film, len(groups))
	for i, g := range groups {
		out[i] = combine(g)
	}
	return out
}

// titleKeys are the title-and-year keys of a film; none without a year,
// since a title alone names too many films.
func titleKeys(f Film) []string {
	if f.Year == 0 {
		return nil
	}
	var keys []string
	for _, t := range append([]string{f.Title, f.OriginalTitle}, f.AlternativeTitles...) {
		if k := TitleKey(t); k != "" && !slices.Contains(keys, k+"|"+strconv.Itoa(f.Year)) {
			keys = append(keys, k+"|"+strconv.Itoa(f.Year))
		}
	}
	return keys
}

// combine makes one film of what several sources said about it.
func combine(films []Film) Film {
	films = slices.Clone(films)
	slices.SortStableFunc(films, func(a, b Film) int {
		return cmp.Compare(rank(precedence, firstSource(a)), rank(precedence, firstSource(b)))
	})
	var m Film
	for _, f := range films {
		m.IMDbID = cmp.Or(m.IMDbID, f.IMDbID)
		m.TMDbID = cmp.Or(m.TMDbID, f.TMDbID)
		m.ID = cmp.Or(m.ID, f.ID)
		m.Title = cmp.Or(m.Title, f.Title)
		m.OriginalTitle = cmp.Or(m.OriginalTitle, f.OriginalTitle)
		m.Year = cmp.Or(m.Year, f.Year)
		m.Summary = cmp.Or(m.Summary, f.Summary)
		m.Runtime = cmp.Or(m.Runtime, f.Runtime)
		m.PosterURL = cmp.Or(m.PosterURL, f.PosterURL)
		m.Director = cmp.Or(m.Director, f.Director)
		m.Genres = firstList(m.Genres, f.Genres)
		m.Writers = firstList(m.Writers, f.Writers)
		m.Producers = firstList(m.Producers, f.Producers)
		m.Cast = firstList(m.Cast, f.Cast)
		m.Popularity = max(m.Popularity, f.Popularity)
		for _, s := range f.Sources {
			m.Sources = appendNew(m.Sources, s)
		}
		for _, r := range f.Torrents {
			m.Torrents = addRelease(m.Torrents, r)
		}
	}
	slices.SortStableFunc(m.Sources, func(a, b string) int {
		return cmp.Compare(rank(precedence, a), rank(precedence, b))
	})
	// Other sources' names for the film help to match release names.
	for _, f := range films {
		for _, t := range append([]string{f.Title, f.OriginalTitle}, f.AlternativeTitles...) {
			if t != m.Title && t != m.OriginalTitle {
				m.AlternativeTitles = appendNew(m.AlternativeTitles, t)
			}
		}
	}
	byRating := slices.Clone(films)
	slices.SortStableFunc(byRating, func(a, b Film) int {
		return cmp.Compare(rank(ratingPrecedence, firstSource(a)), rank(ratingPrecedence, firstSource(b)))
	})
	for _, f := range byRating {
		if f.Rating > 0 {
			m.Rating, m.Votes = f.Rating, f.Votes
			break
		}
	}
	return m
}

func firstList(have, next []string) []string {
	if len(have) > 0 || len(next) == 0 {
		return have
	}
	return slices.Clone(next)
}

// addRelease adds r to list unless it is there already, by info hash, else
// by magnet or .torrent URL; a duplicate fills the gaps of the first and
// keeps the highest counts.
func addRelease(list []Release, r Release) []Release {
	i := slices.IndexFunc(list, func(x Release) bool {
		switch {
		case x.InfoHash != "" && r.InfoHash != "":
			return x.InfoHash == r.InfoHash
		case x.Magnet != "" && x.Magnet == r.Magnet:
			return true
		default:
			return x.TorrentURL != "" && x.TorrentURL == r.TorrentURL
		}
	})
	if i < 0 {
		return append(list, r)
	}
	x := &list[i]
	x.Name = cmp.Or(x.Name, r.Name)
	x.InfoHash = cmp.Or(x.InfoHash, r.InfoHash)
	x.Magnet = cmp.Or(x.Magnet, r.Magnet)
	x.TorrentURL = cmp.Or(x.TorrentURL, r.TorrentURL)
	x.Size = cmp.Or(x.Size, r.Size)
	x.Quality = cmp.Or(x.Quality, r.Quality)
	x.Codec = cmp.Or(x.Codec, r.Codec)
	x.Source = cmp.Or(x.Source, r.Source)
	x.Seeders = max(x.Seeders, r.Seeders)
	x.Peers = max(x.Peers, r.Peers)
	x.Downloads = max(x.Downloads, r.Downloads)
	return list
}
