package release

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube/catalog"
)

// Film and Release are the catalog's: a film and its torrents.
type (
	Film    = catalog.Film
	Release = catalog.Release
)

// Match tells whether a release is film, the film itself and not a
// sample, trailer, bonus, episode, sequel or remake. score is 1 for a
// certain match and lower when the name leaves doubt; why says, for a
// person, what decided.
func Match(info Info, film Film) (score float64, ok bool, why string) {
	switch {
	case info.Sample:
		return 0, false, "a sample, not the whole film"
	case info.Trailer:
		return 0, false, "a trailer, not the film"
	case info.Extras:
		return 0, false, "bonus material, not the film"
	case info.Season > 0 && info.Episode > 0:
		return 0, false, fmt.Sprintf("a TV episode (S%02dE%02d)", info.Season, info.Episode)
	case info.Season > 0:
		return 0, false, fmt.Sprintf("a TV season (S%02d)", info.Season)
	case info.Episode > 0:
		return 0, false, fmt.Sprintf("a TV episode (E%02d)", info.Episode)
	}
	if info.IMDbID != "" && film.IMDbID != "" {
		if info.IMDbID == film.IMDbID {
			return 1, true, "IMDb id " + film.IMDbID + " matches"
		}
		return 0, false, "IMDb id " + info.IMDbID + " is another film's"
	}

	key := catalog.TitleKey(info.Title)
	if key == "" {
		return 0, false, "the name gives no title"
	}
	type named struct{ title, what string }
	names := []named{{film.Title, "title"}, {film.OriginalTitle, "original title"}}
	for _, t := range film.AlternativeTitles {
		names = append(names, named{t, "alternative title"})
	}
	score, matched, year := 0.0, "", info.Year
	for _, n := range names {
		if n.title != "" && catalog.TitleKey(n.title) == key {
			score, matched = 1, n.what
			if n.what != "title" {
				score = 0.95
			}
			break
		}
	}
	if matched == "" && info.Year > 0 {
		// "Fantasia.2000.1080p": the number was the title's, not a year.
		withYear := catalog.TitleKey(info.Title + " " + strconv.Itoa(info.Year))
		for _, n := range names {
			if n.title != "" && catalog.TitleKey(n.title) == withYear {
				score, matched, year = 0.9, n.what, 0
				break
			}
		}
	}
	if matched == "" {
		return 0, false, titleMismatch(info.Title, key, film.Title)
	}

	switch d := year - film.Year; {
	case year == 0 || film.Year == 0:
		return score * 0.8, true, matched + " matches; no year to compare"
	case d == 0:
		return score, true, matched + " and year match"
	case d == 1 || d == -1:
		// Festival, national and home releases straddle new year.
		return score * 0.9, true, fmt.Sprintf("%s matches; %d is a year off %d", matched, year, film.Year)
	default:
		return 0, false, fmt.Sprintf("from %d, the film is from %d: a remake or another film of the same name", year, film.Year)
	}
}

func titleMismatch(title, key, filmTitle string) string {
	fk := catalog.TitleKey(filmTitle)
	switch {
	case fk != "" && strings.HasPrefix(key, fk):
		return fmt.Sprintf("%q is not %q: a sequel or another film", title, filmTitle)
	case fk != "" && strings.HasPrefix(fk, key):
		return fmt.Sprintf("%q is only the start of %q: the first film of a series, or another", title, filmTitle)
	default:
		return fmt.Sprintf("%q is another title than %q", title, filmTitle)
	}
}
