package store

import (
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

const (
	maxTitleLen   = 500
	maxCreditLen  = 200 // of a director, producer, actor or genre
	maxPeople     = 100 // producers or cast members of one film
	maxGenres     = 30
	maxSummaryLen = 20000
)

var (
	infoHashPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
	imdbIDPattern   = regexp.MustCompile(`^tt[0-9]{7,10}$`)
)

// movieRow holds the columns of a film that are derived or encoded from
// its fields.
type movieRow struct {
	sortTitle, searchText       string
	genres, producers, castList string
}

// newMovieRow validates and normalises m in place, and derives its columns.
func newMovieRow(m *hypertube.Movie) (movieRow, error) {
	if err := validateMovie(m); err != nil {
		return movieRow{}, err
	}
	return movieRow{
		sortTitle:  strings.ToLower(m.Title),
		searchText: strings.ToLower(m.Title) + "\n" + strings.ToLower(m.OriginalTitle),
		genres:     encodeList(m.Genres),
		producers:  encodeList(m.Producers),
		castList:   encodeList(m.Cast),
	}, nil
}

// args are the parameters $1 to $20 of the INSERT and UPDATE of a film.
func (r movieRow) args(m *hypertube.Movie) []any {
	return []any{m.Title, r.sortTitle, r.searchText, m.OriginalTitle, m.Year, m.Summary, m.Poster,
		m.ImdbID, m.Runtime, r.genres, m.Rating, m.Director, r.producers, r.castList, m.Popularity,
		m.Seeders, m.Source, m.InfoHash, m.Magnet, m.FilePath}
}

// validateMovie checks m and normalises it in place: texts are trimmed,
// stripped of control characters and invalid UTF-8 (catalogs send some;
// PostgreSQL would refuse them), ids lowercased, lists cleaned of blanks
// and repeats.
func validateMovie(m *hypertube.Movie) error {
	if m == nil {
		return hypertube.Errorf(hypertube.EINVALID, "No film given.")
	}
	m.Title = cleanLine(m.Title)
	m.OriginalTitle = cleanLine(m.OriginalTitle)
	m.Director = cleanLine(m.Director)
	m.Source = cleanLine(m.Source)
	m.Summary = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(m.Summary, ""), "\x00", ""))
	m.ImdbID = strings.ToLower(strings.TrimSpace(m.ImdbID))
	switch {
	case m.Title == "":
		return hypertube.Errorf(hypertube.EINVALID, "A film needs a title.")
	case utf8.RuneCountInString(m.Title) > maxTitleLen || utf8.RuneCountInString(m.OriginalTitle) > maxTitleLen:
		return hypertube.Errorf(hypertube.EINVALID, "A film's title is %d characters at most.", maxTitleLen)
	case utf8.RuneCountInString(m.Director) > maxCreditLen:
		return hypertube.Errorf(hypertube.EINVALID, "A director's name is %d characters at most.", maxCreditLen)
	case utf8.RuneCountInString(m.Summary) > maxSummaryLen:
		return hypertube.Errorf(hypertube.EINVALID, "A film's summary is %d characters at most.", maxSummaryLen)
	case m.Year < 0 || m.Year > 9999:
		return hypertube.Errorf(hypertube.EINVALID, "The year %d is not a valid year.", m.Year)
	case m.Runtime < 0:
		return hypertube.Errorf(hypertube.EINVALID, "A film's running time cannot be negative.")
	case math.IsNaN(m.Rating) || m.Rating < 0 || m.Rating > 10:
		return hypertube.Errorf(hypertube.EINVALID, "A film's rating is between 0 and 10.")
	case math.IsNaN(m.Popularity) || math.IsInf(m.Popularity, 0) || m.Popularity < 0:
		return hypertube.Errorf(hypertube.EINVALID, "A film's popularity is a number, zero or more.")
	case m.Seeders < 0:
		return hypertube.Errorf(hypertube.EINVALID, "A film's number of seeders cannot be negative.")
	case m.Magnet != "" && !strings.HasPrefix(m.Magnet, "magnet:?"):
		return hypertube.Errorf(hypertube.EINVALID, "A magnet link starts with \"magnet:?\".")
	case m.ImdbID != "" && !imdbIDPattern.MatchString(m.ImdbID):
		return hypertube.Errorf(hypertube.EINVALID, "An IMDb id is \"tt\" followed by 7 to 10 digits, such as tt0137523.")
	}
	var err error
	if m.Genres, err = cleanList(m.Genres, maxGenres, "genres"); err != nil {
		return err
	}
	if m.Producers, err = cleanList(m.Producers, maxPeople, "producers"); err != nil {
		return err
	}
	if m.Cast, err = cleanList(m.Cast, maxPeople, "cast members"); err != nil {
		return err
	}
	if m.InfoHash == "" {
		return nil
	}
	m.InfoHash, err = normalizeInfoHash(m.InfoHash)
	return err
}

// cleanList trims the names of list, drops blank ones and later repeats
// (ignoring case), and checks their number and length. It never returns
// nil, so that a film reads back as it was stored.
func cleanList(list []string, most int, what string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, name := range list {
		name = cleanLine(name)
		key := genreKey(name)
		if name == "" || seen[key] {
			continue
		}
		if utf8.RuneCountInString(name) > maxCreditLen {
			return nil, hypertube.Errorf(hypertube.EINVALID, "The name %.40q… is longer than %d characters.", name, maxCreditLen)
		}
		seen[key] = true
		out = append(out, name)
	}
	if len(out) > most {
		return nil, hypertube.Errorf(hypertube.EINVALID, "A film lists %d %s at most.", most, what)
	}
	return out, nil
}

// cleanLine trims s and turns its control characters into spaces and its
// invalid UTF-8 into nothing.
func cleanLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "")))
}

// genreKey is what two spellings of one genre, or of one name, share.
func genreKey(g string) string { return strings.ToLower(strings.TrimSpace(g)) }

func normalizeInfoHash(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if !infoHashPattern.MatchString(h) {
		return "", hypertube.Errorf(hypertube.EINVALID, "An info hash is 40 hexadecimal characters.")
	}
	return h, nil
}

func titleOf(m *hypertube.Movie) string {
	if m == nil {
		return ""
	}
	return m.Title
}
