package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hypertube/hypertube"
)

// ReleaseService stores the torrents that catalog sources list for films.
type ReleaseService struct {
	db *DB
	// Now stamps UpdatedAt; tests replace it.
	Now func() time.Time
}

var _ hypertube.ReleaseService = (*ReleaseService)(nil)

// NewReleaseService returns a ReleaseService backed by db.
func NewReleaseService(db *DB) *ReleaseService { return &ReleaseService{db: db, Now: time.Now} }

const (
	maxReleases       = 500 // of one source for one film
	maxReleaseNameLen = 500
	maxReleaseURLLen  = 4096
	maxReleaseTagLen  = 50 // quality, codec, source
)

// SetReleases replaces, in one transaction, the releases that source lists
// for a film by releases (none removes them all). A release is known by its
// info hash: when two sources list the same torrent, the one that listed it
// last owns it. Releases are validated and normalised first; two with the
// same info hash count once, the first one given. ENOTFOUND if there is no
// such film.
func (s *ReleaseService) SetReleases(ctx context.Context, movieID int64, source string, releases []hypertube.Release) error {
	source = cleanLine(source)
	switch {
	case source == "" || utf8.RuneCountInString(source) > maxReleaseTagLen:
		return hypertube.Errorf(hypertube.EINVALID, "A release's source is a name of 1 to %d characters.", maxReleaseTagLen)
	case len(releases) > maxReleases:
		return hypertube.Errorf(hypertube.EINVALID, "A source lists %d releases of a film at most.", maxReleases)
	}
	var clean []hypertube.Release
	seen := map[string]bool{}
	for i, r := range releases {
		if err := validateRelease(&r); err != nil {
			return fmt.Errorf("release %d (%q): %w", i+1, r.Name, err)
		}
		key := r.InfoHash
		if key == "" {
			key = r.TorrentURL
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		clean = append(clean, r)
	}

	now := s.Now().Unix()
	err := s.db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM movies WHERE id = $1`, movieID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d.", movieID)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM releases WHERE movie_id = $1 AND source = $2`, movieID, source)
		if err != nil {
			return err
		}
		for _, r := range clean {
			_, err := tx.ExecContext(ctx, `
				INSERT INTO releases (movie_id, source, name, info_hash, magnet, torrent_url, size,
					seeders, peers, quality, codec, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
				ON CONFLICT (movie_id, info_hash) WHERE info_hash <> '' DO UPDATE SET
					source = excluded.source,
					name = excluded.name,
					magnet = excluded.magnet,
					torrent_url = excluded.torrent_url,
					size = excluded.size,
					seeders = excluded.seeders,
					peers = excluded.peers,
					quality = excluded.quality,
					codec = excluded.codec,
					updated_at = excluded.updated_at`,
				movieID, source, r.Name, r.InfoHash, r.Magnet, r.TorrentURL, r.Size,
				r.Seeders, r.Peers, r.Quality, r.Codec, now)
			if err != nil {
				return err
			}
		}
		return nil
	})
	switch {
	case hypertube.ErrorCode(err) == hypertube.ENOTFOUND:
		return err
	case s.db.dialect.isForeignKeyViolation(err):
		// The film was deleted meanwhile.
		return hypertube.Errorf(hypertube.ENOTFOUND, "There is no film number %d.", movieID)
	case err != nil:
		return fmt.Errorf("store: set releases: %w", err)
	}
	return nil
}

// ListReleases returns the releases of a film, most seeded first; an
// unknown film has none.
func (s *ReleaseService) ListReleases(ctx context.Context, movieID int64) ([]hypertube.Release, error) {
	rows, err := s.db.db.QueryContext(ctx, `
		SELECT id, movie_id, source, name, info_hash, magnet, torrent_url, size, seeders, peers,
			quality, codec, updated_at
		FROM releases WHERE movie_id = $1
		ORDER BY seeders DESC, id`, movieID)
	if err != nil {
		return nil, fmt.Errorf("store: list releases: %w", err)
	}
	defer rows.Close()
	releases := []hypertube.Release{}
	for rows.Next() {
		var (
			r       hypertube.Release
			updated int64
		)
		err := rows.Scan(&r.ID, &r.MovieID, &r.Source, &r.Name, &r.InfoHash, &r.Magnet, &r.TorrentURL,
			&r.Size, &r.Seeders, &r.Peers, &r.Quality, &r.Codec, &updated)
		if err != nil {
			return nil, fmt.Errorf("store: list releases: %w", err)
		}
		r.UpdatedAt = fromUnix(updated)
		releases = append(releases, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list releases: %w", err)
	}
	return releases, nil
}

// validateRelease checks r and normalises it in place. A release needs an
// info hash or a .torrent URL to be fetched at all.
func validateRelease(r *hypertube.Release) error {
	r.Name = cleanLine(r.Name)
	r.Quality = cleanLine(r.Quality)
	r.Codec = cleanLine(r.Codec)
	r.Magnet = strings.TrimSpace(r.Magnet)
	r.TorrentURL = strings.TrimSpace(r.TorrentURL)
	switch {
	case r.Name == "" || utf8.RuneCountInString(r.Name) > maxReleaseNameLen:
		return hypertube.Errorf(hypertube.EINVALID, "A release's name is 1 to %d characters long.", maxReleaseNameLen)
	case utf8.RuneCountInString(r.Quality) > maxReleaseTagLen || utf8.RuneCountInString(r.Codec) > maxReleaseTagLen:
		return hypertube.Errorf(hypertube.EINVALID, "A release's quality and codec are %d characters at most.", maxReleaseTagLen)
	case r.Size < 0 || r.Seeders < 0 || r.Peers < 0:
		return hypertube.Errorf(hypertube.EINVALID, "A release's size, seeders and peers cannot be negative.")
	case r.Magnet != "" && (!strings.HasPrefix(r.Magnet, "magnet:?") || len(r.Magnet) > maxReleaseURLLen):
		return hypertube.Errorf(hypertube.EINVALID, "A magnet link starts with \"magnet:?\".")
	case r.InfoHash == "" && r.TorrentURL == "":
		return hypertube.Errorf(hypertube.EINVALID, "A release needs an info hash or a .torrent URL.")
	}
	if r.TorrentURL != "" {
		u, err := url.Parse(r.TorrentURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(r.TorrentURL) > maxReleaseURLLen {
			return hypertube.Errorf(hypertube.EINVALID, "A .torrent URL is an http or https address.")
		}
	}
	if r.InfoHash != "" {
		h, err := normalizeInfoHash(r.InfoHash)
		if err != nil {
			return err
		}
		r.InfoHash = h
	}
	return nil
}
