package catalog

import (
	"context"
	"slices"
	"strings"

	"github.com/hypertube/hypertube"
)

// BuiltinProvider offers the films that ship with Hypertube as a Provider:
// always available, one page.
type BuiltinProvider struct{}

// Name implements Provider.
func (BuiltinProvider) Name() string { return SourceBuiltin }

// Popular implements Provider: all the built-in films, on page 1.
func (BuiltinProvider) Popular(ctx context.Context, page int) (Page, error) {
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	out := Page{Page: page, TotalPages: 1}
	if page == 1 {
		for _, m := range Builtin() {
			out.Films = append(out.Films, filmOfMovie(m))
		}
	}
	return out, nil
}

// Search implements Provider: the built-in films whose title holds query,
// ignoring case, accents and punctuation.
func (BuiltinProvider) Search(ctx context.Context, query string, page int) (Page, error) {
	query, err := cleanQuery(query)
	if err != nil {
		return Page{}, err
	}
	if err := checkPage(page); err != nil {
		return Page{}, err
	}
	out := Page{Page: page, TotalPages: 1}
	want := strings.Join(TitleWords(query), " ")
	if page != 1 || want == "" {
		return out, nil
	}
	for _, m := range Builtin() {
		if strings.Contains(strings.Join(TitleWords(m.Title), " "), want) {
			out.Films = append(out.Films, filmOfMovie(m))
		}
	}
	return out, nil
}

// Details implements Provider, by IMDb id or info hash (Ref.ID).
func (BuiltinProvider) Details(ctx context.Context, ref Ref) (*Film, error) {
	if ref.IMDbID == "" && ref.ID == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "Name a built-in film by its IMDb id or info hash.")
	}
	i := slices.IndexFunc(Builtin(), func(m hypertube.Movie) bool {
		return (ref.IMDbID != "" && m.ImdbID == ref.IMDbID) || (ref.ID != "" && m.InfoHash == strings.ToLower(ref.ID))
	})
	if i < 0 {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No built-in film has this id.")
	}
	f := filmOfMovie(Builtin()[i])
	return &f, nil
}

func filmOfMovie(m hypertube.Movie) Film {
	return Film{
		IMDbID:    m.ImdbID,
		ID:        m.InfoHash,
		Title:     m.Title,
		Year:      m.Year,
		Summary:   m.Summary,
		Runtime:   m.Runtime,
		Genres:    m.Genres,
		Rating:    m.Rating,
		PosterURL: m.Poster,
		Sources:   []string{SourceBuiltin},
		Torrents: []Release{{
			Name:     m.Title,
			InfoHash: m.InfoHash,
			Magnet:   m.Magnet,
			Source:   SourceBuiltin,
		}},
	}
}
