package library

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/release"
)

// ChooseRelease picks the torrent a film plays from: its stored releases,
// or, when it has none, those the providers list (YTS by IMDb id, …),
// fetched and stored first. ranked holds every release, best first, with
// why (release.Ranked.Why) for the film page.
//
// The film keeps the torrent it already has when that one is the film:
// a viewer may have picked it with SelectRelease, and its pieces may be on
// disk already. Otherwise the best becomes the film's, so that Play uses it.
func (s *Service) ChooseRelease(ctx context.Context, movieID int64, caps release.Capabilities) (best hypertube.Release, ranked []release.Ranked, err error) {
	m, err := s.Movies.FindMovieByID(ctx, movieID)
	if err != nil {
		return hypertube.Release{}, nil, err
	}
	rels, err := s.Releases.ListReleases(ctx, m.ID)
	if err != nil {
		return hypertube.Release{}, nil, err
	}
	if len(rels) == 0 {
		if f, _, found := s.fetchDetails(ctx, m); found {
			if err := s.applyDetails(ctx, m, f); err != nil {
				return hypertube.Release{}, nil, err
			}
		}
		if rels, err = s.Releases.ListReleases(ctx, m.ID); err != nil {
			return hypertube.Release{}, nil, err
		}
	}
	if len(rels) == 0 {
		return hypertube.Release{}, nil, hypertube.Errorf(hypertube.ENOTFOUND, "No source lists a torrent of %s yet.", movieRef(m))
	}

	cat := make([]catalog.Release, len(rels))
	for i, r := range rels {
		cat[i] = catalogRelease(r)
	}
	film := catalog.Film{Title: m.Title, OriginalTitle: m.OriginalTitle, Year: m.Year, IMDbID: m.ImdbID}
	_, ranked = release.Choose(film, cat, caps)

	pick := -1
	for i, r := range ranked {
		if r.OK && r.Release.InfoHash != "" && r.Release.InfoHash == m.InfoHash {
			pick = i
			break
		}
	}
	if pick < 0 {
		// Only a release with an info hash can become the film's torrent.
		pick = slices.IndexFunc(ranked, func(r release.Ranked) bool { return r.OK && r.Release.InfoHash != "" })
	}
	if pick < 0 {
		return hypertube.Release{}, ranked, hypertube.Errorf(hypertube.ENOTFOUND,
			"None of the %d torrents listed for %s is the film itself.", len(ranked), movieRef(m))
	}
	chosen := releaseByHash(rels, ranked[pick].Release.InfoHash)
	if chosen.InfoHash != m.InfoHash || m.Magnet == "" {
		if err := s.setTorrent(ctx, m, chosen); err != nil {
			return hypertube.Release{}, ranked, err
		}
		s.log().Info("library: release chosen", "movie", m.ID, "release", chosen.Name, "why", ranked[pick].Why)
	}
	return chosen, ranked, nil
}

var infoHashPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)

// SelectRelease makes one of the film's releases the one it plays, at a
// viewer's request.
func (s *Service) SelectRelease(ctx context.Context, movieID int64, infoHash string) error {
	h := strings.ToLower(strings.TrimSpace(infoHash))
	if !infoHashPattern.MatchString(h) {
		return hypertube.Errorf(hypertube.EINVALID, "An info hash is 40 hexadecimal characters.")
	}
	m, err := s.Movies.FindMovieByID(ctx, movieID)
	if err != nil {
		return err
	}
	rels, err := s.Releases.ListReleases(ctx, m.ID)
	if err != nil {
		return err
	}
	r := releaseByHash(rels, h)
	if r.InfoHash == "" {
		return hypertube.Errorf(hypertube.ENOTFOUND, "%s has no release with the info hash %s.", movieRef(m), h)
	}
	return s.setTorrent(ctx, m, r)
}

// setTorrent makes r the torrent m plays. Another film may already own it
// (the same torrent listed under two films): the store refuses, ECONFLICT.
func (s *Service) setTorrent(ctx context.Context, m *hypertube.Movie, r hypertube.Release) error {
	if m.InfoHash != r.InfoHash {
		// The file inside the old torrent means nothing in the new one.
		m.FilePath = ""
	}
	m.InfoHash = r.InfoHash
	m.Magnet = cmp.Or(r.Magnet, catalog.Magnet(r.InfoHash, r.Name, nil))
	m.Seeders = r.Seeders
	return s.Movies.UpdateMovie(ctx, m)
}

func releaseByHash(rels []hypertube.Release, h string) hypertube.Release {
	for _, r := range rels {
		if r.InfoHash == h {
			return r
		}
	}
	return hypertube.Release{}
}
