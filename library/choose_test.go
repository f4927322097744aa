package library_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/release"
)

const (
	hashH264   = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashHEVC   = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	hashSequel = "cccccccccccccccccccccccccccccccccccccccc"
)

var bladeRunnerReleases = []hypertube.Release{
	{Name: "Blade.Runner.1982.1080p.BluRay.x265.HEVC.10bit-GRP", InfoHash: hashHEVC, Seeders: 900, Size: 4 << 30, Quality: "1080p", Codec: "x265"},
	{Name: "Blade.Runner.1982.1080p.BluRay.x264-SPARKS", InfoHash: hashH264, Seeders: 120, Size: 9 << 30, Quality: "1080p", Codec: "x264"},
	{Name: "Blade.Runner.2049.2017.1080p.BluRay.x264-SPARKS", InfoHash: hashSequel, Seeders: 3000, Size: 10 << 30, Quality: "1080p", Codec: "x264"},
}

func bladeRunner(t *testing.T, e env) *hypertube.Movie {
	t.Helper()
	m := &hypertube.Movie{Title: "Blade Runner", Year: 1982, ImdbID: "tt0083658", Source: catalog.SourceTMDB}
	if err := e.movies.CreateMovie(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestChooseRelease(t *testing.T) {
	ctx := context.Background()
	e := newService(t)
	m := bladeRunner(t, e)
	if err := e.releases.SetReleases(ctx, m.ID, catalog.SourceYTS, bladeRunnerReleases); err != nil {
		t.Fatal(err)
	}

	best, ranked, err := e.svc.ChooseRelease(ctx, m.ID, release.Chromium)
	if err != nil {
		t.Fatal(err)
	}
	if best.InfoHash != hashH264 || best.ID == 0 {
		t.Fatalf("chose %q (%s); want the H.264 one, which Chromium plays as it is", best.Name, best.InfoHash)
	}
	if len(ranked) != 3 || ranked[0].Release.InfoHash != hashH264 || ranked[0].Why == "" {
		t.Fatalf("ranked = %+v; want the H.264 one first, with why", ranked)
	}
	if ranked[0].Playback != release.Direct || ranked[1].Playback == release.Direct {
		t.Errorf("playback: %v then %v; want direct for H.264 only", ranked[0].Playback, ranked[1].Playback)
	}
	if !strings.Contains(ranked[0].Why, "plays directly") || !strings.Contains(ranked[1].Why, "transcod") {
		t.Errorf("why: %q, %q; want the H.264 one to play directly and the HEVC one to need transcoding", ranked[0].Why, ranked[1].Why)
	}
	if last := ranked[2]; last.OK || last.Release.InfoHash != hashSequel || !strings.Contains(last.Why, "sequel") {
		t.Errorf("the sequel ranks %+v; want last, not OK, said to be a sequel", last)
	}

	got, err := e.movies.FindMovieByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.InfoHash != hashH264 || !strings.HasPrefix(got.Magnet, "magnet:?xt=urn:btih:"+hashH264) || got.Seeders != 120 {
		t.Errorf("film plays %q (%q, %d seeders); want the chosen release", got.InfoHash, got.Magnet, got.Seeders)
	}

	// A viewer picks the HEVC one; the choice holds.
	if err := e.svc.SelectRelease(ctx, m.ID, strings.ToUpper(hashHEVC)); err != nil {
		t.Fatal(err)
	}
	best, _, err = e.svc.ChooseRelease(ctx, m.ID, release.Chromium)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = e.movies.FindMovieByID(ctx, m.ID)
	if best.InfoHash != hashHEVC || got.InfoHash != hashHEVC {
		t.Errorf("after the viewer's pick: chose %s, film plays %s; want %s", best.InfoHash, got.InfoHash, hashHEVC)
	}
}

func TestSelectReleaseErrors(t *testing.T) {
	ctx := context.Background()
	e := newService(t)
	m := bladeRunner(t, e)
	if err := e.releases.SetReleases(ctx, m.ID, catalog.SourceYTS, bladeRunnerReleases); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		movieID int64
		hash    string
		code    string
	}{
		{"not a hash", m.ID, "../../etc/passwd", hypertube.EINVALID},
		{"short", m.ID, "abc", hypertube.EINVALID},
		{"not this film's", m.ID, strings.Repeat("d", 40), hypertube.ENOTFOUND},
		{"no such film", m.ID + 100, hashH264, hypertube.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.SelectRelease(ctx, tt.movieID, tt.hash)
			if hypertube.ErrorCode(err) != tt.code {
				t.Errorf("err = %v; want %s", err, tt.code)
			}
		})
	}
	got, _ := e.movies.FindMovieByID(ctx, m.ID)
	if got.InfoHash != "" {
		t.Errorf("a refused pick changed the film's torrent to %s", got.InfoHash)
	}
}

func TestChooseReleaseFetchesTorrents(t *testing.T) {
	ctx := context.Background()
	yts := &fakeProvider{Source: catalog.SourceYTS, Known: map[string]catalog.Film{
		"tt0083658": {IMDbID: "tt0083658", ID: "1234", Title: "Blade Runner", Year: 1982, Rating: 8.1,
			Sources: []string{catalog.SourceYTS}, Torrents: []catalog.Release{
				{Name: "Blade Runner (1982) [1080p] [YTS]", InfoHash: hashH264, Seeders: 80, Quality: "1080p", Codec: "x264"},
				{Name: "Blade Runner (1982) [720p] [YTS]", InfoHash: hashHEVC, Seeders: 60, Quality: "720p", Codec: "x264"},
			}},
	}}
	e := newService(t, yts)
	m := bladeRunner(t, e)

	best, ranked, err := e.svc.ChooseRelease(ctx, m.ID, release.Capabilities{})
	if err != nil {
		t.Fatal(err)
	}
	if best.InfoHash != hashH264 || len(ranked) != 2 {
		t.Errorf("chose %s among %d; want the 1080p of YTS's two", best.InfoHash, len(ranked))
	}
	rels, _ := e.releases.ListReleases(ctx, m.ID)
	if len(rels) != 2 || rels[0].Source != catalog.SourceYTS {
		t.Errorf("stored releases = %+v; want YTS's two", rels)
	}
	if _, _, err := e.svc.ChooseRelease(ctx, m.ID, release.Chromium); err != nil {
		t.Fatal(err)
	}
	if n := yts.Calls("details"); n != 1 {
		t.Errorf("YTS asked %d times; want once, the releases being stored", n)
	}
}

func TestChooseReleaseNone(t *testing.T) {
	ctx := context.Background()
	e := newService(t, &fakeProvider{Source: catalog.SourceYTS})
	m := bladeRunner(t, e)
	_, _, err := e.svc.ChooseRelease(ctx, m.ID, release.Chromium)
	if hypertube.ErrorCode(err) != hypertube.ENOTFOUND || !strings.Contains(hypertube.ErrorMessage(err), "Blade Runner") {
		t.Errorf("err = %v; want ENOTFOUND naming the film", err)
	}

	// Only the sequel is listed: nothing may be chosen.
	if err := e.releases.SetReleases(ctx, m.ID, catalog.SourceYTS, bladeRunnerReleases[2:]); err != nil {
		t.Fatal(err)
	}
	_, ranked, err := e.svc.ChooseRelease(ctx, m.ID, release.Chromium)
	if hypertube.ErrorCode(err) != hypertube.ENOTFOUND || len(ranked) != 1 || ranked[0].OK {
		t.Errorf("err = %v, ranked %+v; want ENOTFOUND with the sequel ranked as not the film", err, ranked)
	}
}
