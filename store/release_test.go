package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
)

func release(n int, name string, seeders int) hypertube.Release {
	return hypertube.Release{
		Name:     name,
		InfoHash: fmt.Sprintf("%040X", 0xabc000+n), // uppercase: stored lowercase
		Magnet:   fmt.Sprintf("magnet:?xt=urn:btih:%040x", 0xabc000+n),
		Size:     int64(n) << 30,
		Seeders:  seeders,
		Peers:    seeders / 2,
		Quality:  "1080p",
		Codec:    "x264",
	}
}

// releaseNames lists a film's releases as "source:name".
func releaseNames(t *testing.T, svc *store.ReleaseService, movieID int64) []string {
	t.Helper()
	got, err := svc.ListReleases(context.Background(), movieID)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, r := range got {
		names = append(names, r.Source+":"+r.Name)
	}
	return names
}

func TestReleases(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		movies := store.NewMovieService(db)
		svc := store.NewReleaseService(db)
		at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
		svc.Now = func() time.Time { return at }
		m, other := catalogMovie(1, "Sintel"), catalogMovie(2, "Tears of Steel")
		for _, x := range []*hypertube.Movie{m, other} {
			if err := movies.CreateMovie(ctx, x); err != nil {
				t.Fatal(err)
			}
		}

		yts := []hypertube.Release{release(1, "Sintel.2010.720p", 10), release(2, "Sintel.2010.1080p", 50)}
		if err := svc.SetReleases(ctx, m.ID, "yts", yts); err != nil {
			t.Fatal(err)
		}
		archive := []hypertube.Release{
			{Name: "sintel_archive", TorrentURL: "https://archive.org/download/sintel/sintel_archive.torrent", Seeders: 20},
			release(3, "Sintel.2010.2160p", 5),
		}
		if err := svc.SetReleases(ctx, m.ID, "archive", archive); err != nil {
			t.Fatal(err)
		}
		if err := svc.SetReleases(ctx, other.ID, "yts", []hypertube.Release{release(9, "Tears.of.Steel", 99)}); err != nil {
			t.Fatal(err)
		}
		want := "yts:Sintel.2010.1080p archive:sintel_archive yts:Sintel.2010.720p archive:Sintel.2010.2160p"
		if got := strings.Join(releaseNames(t, svc, m.ID), " "); got != want {
			t.Errorf("releases, most seeded first:\n got %s\nwant %s", got, want)
		}
		got, err := svc.ListReleases(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		first := got[0]
		if first.MovieID != m.ID || first.ID == 0 || first.InfoHash != fmt.Sprintf("%040x", 0xabc002) ||
			first.Size != 2<<30 || first.Peers != 25 || first.Quality != "1080p" || first.Codec != "x264" ||
			!first.UpdatedAt.Equal(at) || first.Magnet == "" {
			t.Errorf("first release: %+v", first)
		}

		// A new list from YTS replaces YTS's, not archive.org's; a torrent
		// listed twice counts once.
		again := []hypertube.Release{release(2, "Sintel.2010.1080p.REPACK", 70), release(2, "Sintel duplicate", 1)}
		if err := svc.SetReleases(ctx, m.ID, "yts", again); err != nil {
			t.Fatal(err)
		}
		want = "yts:Sintel.2010.1080p.REPACK archive:sintel_archive archive:Sintel.2010.2160p"
		if got := strings.Join(releaseNames(t, svc, m.ID), " "); got != want {
			t.Errorf("after YTS's new list:\n got %s\nwant %s", got, want)
		}
		// Another source listing the same torrent takes it over.
		if err := svc.SetReleases(ctx, m.ID, "tmdb", []hypertube.Release{release(3, "Sintel 4K", 8)}); err != nil {
			t.Fatal(err)
		}
		want = "yts:Sintel.2010.1080p.REPACK archive:sintel_archive tmdb:Sintel 4K"
		if got := strings.Join(releaseNames(t, svc, m.ID), " "); got != want {
			t.Errorf("after a shared torrent:\n got %s\nwant %s", got, want)
		}
		// An empty list removes the source's releases.
		if err := svc.SetReleases(ctx, m.ID, "archive", nil); err != nil {
			t.Fatal(err)
		}
		want = "yts:Sintel.2010.1080p.REPACK tmdb:Sintel 4K"
		if got := strings.Join(releaseNames(t, svc, m.ID), " "); got != want {
			t.Errorf("after an empty list:\n got %s\nwant %s", got, want)
		}
		if got := releaseNames(t, svc, other.ID); len(got) != 1 {
			t.Errorf("the other film's releases changed: %q", got)
		}

		// Releases go with their film.
		if err := movies.DeleteMovie(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if got := releaseNames(t, svc, m.ID); len(got) != 0 {
			t.Errorf("releases of a deleted film: %q", got)
		}
		wantCode(t, svc.SetReleases(ctx, m.ID, "yts", yts), hypertube.ENOTFOUND)
		wantCode(t, svc.SetReleases(ctx, 9999, "yts", nil), hypertube.ENOTFOUND)
	})
}

func TestSetReleasesValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := openBackend(t, b)
		m := catalogMovie(1, "Sintel")
		if err := store.NewMovieService(db).CreateMovie(ctx, m); err != nil {
			t.Fatal(err)
		}
		svc := store.NewReleaseService(db)
		if err := svc.SetReleases(ctx, m.ID, "yts", []hypertube.Release{release(1, "Kept", 1)}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			source string
			change func(r *hypertube.Release)
		}{
			{"no source", " ", func(r *hypertube.Release) {}},
			{"no name", "yts", func(r *hypertube.Release) { r.Name = "\t" }},
			{"bad info hash", "yts", func(r *hypertube.Release) { r.InfoHash = "abc" }},
			{"nothing to fetch", "yts", func(r *hypertube.Release) { r.InfoHash = "" }},
			{"torrent URL not http", "yts", func(r *hypertube.Release) {
				r.InfoHash, r.TorrentURL = "", "file:///etc/passwd"
			}},
			{"magnet not a magnet", "yts", func(r *hypertube.Release) { r.Magnet = "javascript:alert(1)" }},
			{"negative size", "yts", func(r *hypertube.Release) { r.Size = -1 }},
			{"negative seeders", "yts", func(r *hypertube.Release) { r.Seeders = -1 }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := release(2, "Sintel.2010.1080p", 3)
				tt.change(&r)
				err := svc.SetReleases(ctx, m.ID, tt.source, []hypertube.Release{release(3, "Fine", 1), r})
				wantCode(t, err, hypertube.EINVALID)
			})
		}
		// Nothing was replaced by a refused list.
		if got := releaseNames(t, svc, m.ID); len(got) != 1 || got[0] != "yts:Kept" {
			t.Errorf("releases after refused lists: %q", got)
		}
	})
}
