package release_test

import (
	"strings"
	"testing"

	"github.com/hypertube/hypertube/catalog"
	"github.com/hypertube/hypertube/release"
)

const gib = 1 << 30

var fightClubReleases = []catalog.Release{
	{Name: "Fight.Club.1999.1080p.BluRay.x264-SPARKS", Seeders: 320, Size: 8 * gib},
	{Name: "Fight Club (1999) [1080p] [BluRay] [x264] [YTS.MX]", Seeders: 870, Size: 2308544348, Quality: "1080p", Codec: "x264", Source: "yts"},
	{Name: "Fight.Club.1999.2160p.UHD.BluRay.x265-TERMiNAL", Seeders: 500, Size: 20 * gib},
	{Name: "Fight.Club.1999.1080p.BluRay.x264-SPARKS.sample.mkv", Seeders: 9000, Size: 60 << 20},
	{Name: "Fight.Club.1999.CAM.x264-NOGRP", Seeders: 5000, Size: 1 * gib},
	{Name: "Fight.Club.1999.1080p.BluRay.x264.DTS-FGT", Seeders: 2000, Size: 12 * gib},
	{Name: "Toy.Story.1995.1080p.BluRay.x264", Seeders: 800, Size: 2 * gib},
	{Name: "Fight.Club.1999.720p.BluRay.x264-FAKE", Seeders: 700, Size: 10 << 20},
	{Name: "Fight.Club.1999.720p.BluRay.x264-DEAD", Seeders: 0, Size: 1 * gib},
}

func byName(t *testing.T, ranked []release.Ranked, name string) (int, release.Ranked) {
	t.Helper()
	for i, r := range ranked {
		if r.Release.Name == name {
			return i, r
		}
	}
	t.Fatalf("%q not ranked", name)
	return 0, release.Ranked{}
}

func TestChooseAnyBrowser(t *testing.T) {
	best, ranked := release.Choose(films["fightclub"], fightClubReleases, release.Capabilities{})
	if best.Source != "yts" {
		t.Fatalf("chose %q, want the YTS MP4", best.Name)
	}
	if got, want := ranked[0].Why, "1080p x264, 870 seeders, plays directly"; got != want {
		t.Errorf("Why = %q, want %q", got, want)
	}
	if len(ranked) != len(fightClubReleases) {
		t.Fatalf("%d ranked, want %d", len(ranked), len(fightClubReleases))
	}
	tests := []struct {
		name     string
		ok       bool
		playback release.Playback
		why      string
	}{
		{"Fight.Club.1999.1080p.BluRay.x264-SPARKS", true, release.Remux, "plays after remuxing"},
		{"Fight.Club.1999.2160p.UHD.BluRay.x265-TERMiNAL", true, release.Transcode, "needs transcoding (x265)"},
		{"Fight.Club.1999.1080p.BluRay.x264.DTS-FGT", true, release.TranscodeAudio, "DTS audio converted"},
		{"Fight.Club.1999.CAM.x264-NOGRP", true, release.Remux, "filmed in a cinema"},
		{"Fight.Club.1999.720p.BluRay.x264-FAKE", true, release.Remux, "too small for 720p"},
		{"Fight.Club.1999.720p.BluRay.x264-DEAD", true, release.Remux, "no seeders"},
		{"Fight.Club.1999.1080p.BluRay.x264-SPARKS.sample.mkv", false, 0, "a sample"},
		{"Toy.Story.1995.1080p.BluRay.x264", false, 0, "another title"},
	}
	okCount := 0
	for _, r := range ranked {
		if r.OK {
			okCount++
		}
	}
	for _, tt := range tests {
		i, r := byName(t, ranked, tt.name)
		if r.OK != tt.ok || !strings.Contains(r.Why, tt.why) || (tt.ok && r.Playback != tt.playback) {
			t.Errorf("%s: OK %v, playback %v, why %q; want %v, %v, …%q…", tt.name, r.OK, r.Playback, r.Why, tt.ok, tt.playback, tt.why)
		}
		if !tt.ok && i < okCount {
			t.Errorf("%s ranked %d, before a release that is the film", tt.name, i)
		}
	}
	// A file far too small for its quality is a fake: after every real one.
	fake, _ := byName(t, ranked, "Fight.Club.1999.720p.BluRay.x264-FAKE")
	if i, _ := byName(t, ranked, "Fight.Club.1999.2160p.UHD.BluRay.x265-TERMiNAL"); i > fake {
		t.Errorf("the 2160p file ranked %d, after the 10 MiB fake (%d)", i, fake)
	}
	// Nobody to download from: last of the releases that are the film.
	if i, _ := byName(t, ranked, "Fight.Club.1999.720p.BluRay.x264-DEAD"); i != okCount-1 {
		t.Errorf("the release without seeders ranked %d of %d", i, okCount)
	}
	// A bootleg comes after every proper release, however many seed it.
	cam, _ := byName(t, ranked, "Fight.Club.1999.CAM.x264-NOGRP")
	for _, name := range []string{"Fight.Club.1999.1080p.BluRay.x264-SPARKS", "Fight.Club.1999.1080p.BluRay.x264.DTS-FGT", "Fight.Club.1999.2160p.UHD.BluRay.x265-TERMiNAL"} {
		if i, _ := byName(t, ranked, name); i > cam {
			t.Errorf("%s ranked %d, after the CAM (%d)", name, i, cam)
		}
	}
}

func TestChooseByBrowser(t *testing.T) {
	releases := []catalog.Release{
		{Name: "Fight.Club.1999.1080p.BluRay.x264-SPARKS", Seeders: 300, Size: 8 * gib},
		{Name: "Fight.Club.1999.1080p.BluRay.x265-RARBG", Seeders: 300, Size: 3 * gib},
		{Name: "Fight.Club.1999.1080p.BluRay.x264.AC3-FGT", Seeders: 300, Size: 8 * gib},
	}
	tests := []struct {
		browser release.Capabilities
		want    string
		why     string
	}{
		{release.Capabilities{}, "Fight.Club.1999.1080p.BluRay.x264-SPARKS", "plays after remuxing"},
		{release.Chromium, "Fight.Club.1999.1080p.BluRay.x264-SPARKS", "plays directly"},
		{release.Capabilities{MKV: true, AC3: true}, "Fight.Club.1999.1080p.BluRay.x264-SPARKS", "plays directly"},
	}
	for _, tt := range tests {
		best, ranked := release.Choose(films["fightclub"], releases, tt.browser)
		if best.Name != tt.want || !strings.Contains(ranked[0].Why, tt.why) {
			t.Errorf("%+v: chose %q (%s), want %q (…%s…)", tt.browser, best.Name, ranked[0].Why, tt.want, tt.why)
		}
	}
	// A browser that plays HEVC in MKV gets the x265 file directly.
	_, ranked := release.Choose(films["fightclub"], releases, release.Capabilities{MKV: true, HEVC: true})
	if _, r := byName(t, ranked, "Fight.Club.1999.1080p.BluRay.x265-RARBG"); r.Playback != release.Direct {
		t.Errorf("x265 with HEVC support: %v (%s)", r.Playback, r.Why)
	}
	if _, r := byName(t, ranked, "Fight.Club.1999.1080p.BluRay.x264.AC3-FGT"); r.Playback != release.TranscodeAudio {
		t.Errorf("AC3 without AC3 support: %v (%s)", r.Playback, r.Why)
	}
}

func TestChooseSeeders(t *testing.T) {
	releases := []catalog.Release{
		{Name: "Inception.2010.1080p.BluRay.x264-FEW", Seeders: 5, Size: 8 * gib},
		{Name: "Inception.2010.1080p.BluRay.x264-MANY", Seeders: 500, Size: 8 * gib},
		{Name: "Inception.2010.1080p.BluRay.x264-NONE", Seeders: 0, Size: 8 * gib},
	}
	_, ranked := release.Choose(films["inception"], releases, release.Chromium)
	var order []string
	for _, r := range ranked {
		order = append(order, r.Info.Group)
	}
	if strings.Join(order, " ") != "MANY FEW NONE" {
		t.Errorf("order %v, want MANY FEW NONE", order)
	}
}

func TestChooseTheOnlyCopy(t *testing.T) {
	// A CAM is still the film: with nothing else, it is chosen.
	best, ranked := release.Choose(films["tenet"], []catalog.Release{
		{Name: "Tenet.2020.HDCAM.x264-SUNSCREEN", Seeders: 40},
		{Name: "Tenet.2020.Trailer.1080p", Seeders: 400},
	}, release.Chromium)
	if best.Name != "Tenet.2020.HDCAM.x264-SUNSCREEN" || !strings.Contains(ranked[0].Why, "CAM") {
		t.Errorf("chose %q (%s)", best.Name, ranked[0].Why)
	}

	// Web-seeded torrents of the Archive and the built-in films list no
	// seeders and are fine.
	best, ranked = release.Choose(films["night"], []catalog.Release{
		{Name: "night_of_the_living_dead", Source: catalog.SourceArchive, TorrentURL: "https://archive.org/download/n/n_archive.torrent"},
	}, release.Capabilities{})
	if best.Name != "night_of_the_living_dead" || !strings.Contains(ranked[0].Why, "served by its publisher") {
		t.Errorf("chose %q (%s)", best.Name, ranked[0].Why)
	}

	best, ranked = release.Choose(films["fightclub"], []catalog.Release{{Name: "Toy.Story.1995.1080p", Seeders: 99}}, release.Chromium)
	if best != (catalog.Release{}) || len(ranked) != 1 || ranked[0].OK {
		t.Errorf("no match: chose %+v, ranked %+v", best, ranked)
	}
	best, ranked = release.Choose(films["fightclub"], nil, release.Chromium)
	if best != (catalog.Release{}) || len(ranked) != 0 {
		t.Errorf("no releases: chose %+v, ranked %+v", best, ranked)
	}
}

func TestMatchSaysWhy(t *testing.T) {
	tests := []struct{ name, film, why string }{
		{"Aliens.1986.1080p.BluRay.x264", "alien", "a sequel or another film"},
		{"Toy.Story.1995.1080p.BluRay.x264", "toystory2", "only the start of"},
		{"The.Thing.2011.1080p.BluRay.x264", "thing", "from 2011, the film is from 1982: a remake"},
		{"Breaking.Bad.S01E01.720p", "breakingbad", "a TV episode (S01E01)"},
		{"Breaking.Bad.S05.1080p", "breakingbad", "a TV season (S05)"},
		{"Fight.Club.1999.1080p.BluRay.x264-SPARKS.sample.mkv", "fightclub", "a sample"},
		{"The Matrix (1999) Official Trailer HD", "matrix", "a trailer"},
		{"Fight.Club.1999.tt0137524.1080p", "fightclub", "IMDb id tt0137524 is another film's"},
		{"The.Matrix.2000.720p.BluRay.x264", "matrix", "2000 is a year off 1999"},
		{"Fight.Club.1999.tt0137523.1080p", "fightclub", "IMDb id tt0137523 matches"},
		{"1080p.BluRay.x264", "fightclub", "no title"},
	}
	for _, tt := range tests {
		_, _, why := release.Match(release.Parse(tt.name), films[tt.film])
		if !strings.Contains(why, tt.why) {
			t.Errorf("Match(%q): why %q, want …%q…", tt.name, why, tt.why)
		}
	}
}
