package torrent_test

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

func TestMakeTorrentAndMagnet(t *testing.T) {
	p := writeRandom(t, "Night of the Living Dead.mp4", 3<<20)
	trackers := []string{"http://127.0.0.1:8080/announce", "udp://127.0.0.1:6969"}
	mi, err := torrent.MakeTorrent(p, trackers)
	if err != nil {
		t.Fatal(err)
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "Night of the Living Dead.mp4" || info.Length != 3<<20 || info.PieceLength != 256<<10 || info.NumPieces() != 12 {
		t.Fatalf("info = name %q length %d piece length %d pieces %d", info.Name, info.Length, info.PieceLength, info.NumPieces())
	}
	if mi.Announce != trackers[0] || len(mi.AnnounceList) != 2 || mi.AnnounceList[0][0] != trackers[0] || mi.AnnounceList[1][0] != trackers[1] {
		t.Fatalf("announce %q, list %v", mi.Announce, mi.AnnounceList)
	}

	m := torrent.Magnet(mi)
	u, err := url.Parse(m)
	if err != nil || u.Scheme != "magnet" {
		t.Fatalf("Magnet = %q (%v)", m, err)
	}
	q := u.Query()
	if q.Get("xt") != "urn:btih:"+mi.HashInfoBytes().HexString() || q.Get("dn") != info.Name || !slices.Equal(q["tr"], trackers) {
		t.Fatalf("Magnet = %q", m)
	}
	parsed, err := metainfo.ParseMagnetUri(m)
	if err != nil || parsed.InfoHash != mi.HashInfoBytes() {
		t.Fatalf("magnet does not parse back: %v", err)
	}
	if m := torrent.Magnet(mustMake(t, p, nil)); (mustParse(t, m)).Query().Has("tr") {
		t.Fatalf("Magnet without trackers = %q", m)
	}
}

func mustMake(t *testing.T, p string, trackers []string) *metainfo.MetaInfo {
	t.Helper()
	mi, err := torrent.MakeTorrent(p, trackers)
	if err != nil {
		t.Fatal(err)
	}
	return mi
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMakeTorrentErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.mp4")
	os.WriteFile(empty, nil, 0o600)
	os.Mkdir(filepath.Join(dir, "nothing"), 0o750)
	for _, tc := range []struct {
		path string
		code string
	}{
		{filepath.Join(dir, "missing.mp4"), hypertube.ENOTFOUND},
		{empty, hypertube.EINVALID},
		{filepath.Join(dir, "nothing"), hypertube.EINVALID},
		{"/", hypertube.EINVALID},
	} {
		if _, err := torrent.MakeTorrent(tc.path, nil); hypertube.ErrorCode(err) != tc.code {
			t.Errorf("MakeTorrent(%s) = %v, want %s", tc.path, err, tc.code)
		}
	}
}

func TestLargestVideoFile(t *testing.T) {
	files := func(ff ...hypertube.TorrentFile) *hypertube.TorrentInfo {
		for i := range ff {
			ff[i].Index = i
		}
		return &hypertube.TorrentInfo{Files: ff}
	}
	for _, tc := range []struct {
		name string
		info *hypertube.TorrentInfo
		want string
		ok   bool
	}{
		{"no files", files(), "", false},
		{"single", files(hypertube.TorrentFile{Path: "a.mkv", Length: 1}), "a.mkv", true},
		{"video beats bigger non-video", files(
			hypertube.TorrentFile{Path: "d/sample.iso", Length: 900},
			hypertube.TorrentFile{Path: "d/film.MP4", Length: 500},
			hypertube.TorrentFile{Path: "d/trailer.webm", Length: 50},
		), "d/film.MP4", true},
		{"each extension", files(
			hypertube.TorrentFile{Path: "a.avi", Length: 1},
			hypertube.TorrentFile{Path: "b.m4v", Length: 2},
			hypertube.TorrentFile{Path: "c.mov", Length: 3},
			hypertube.TorrentFile{Path: "d.ogv", Length: 4},
		), "d.ogv", true},
		{"no video: largest", files(
			hypertube.TorrentFile{Path: "readme.txt", Length: 10},
			hypertube.TorrentFile{Path: "data.bin", Length: 20},
		), "data.bin", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := torrent.LargestVideoFile(tc.info)
			if ok != tc.ok || f.Path != tc.want {
				t.Fatalf("LargestVideoFile = %+v, %v; want %q, %v", f, ok, tc.want, tc.ok)
			}
		})
	}
}
