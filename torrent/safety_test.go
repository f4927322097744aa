package torrent_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	g "github.com/anacrolix/generics"
	atorrent "github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

// craft builds a valid torrent over random data whose name and file path are
// chosen by the test; path nil makes a single-file torrent.
func craft(t *testing.T, name string, path []string) (*metainfo.MetaInfo, []byte) {
	t.Helper()
	data := make([]byte, 40<<10)
	rand.Read(data)
	info := metainfo.Info{Name: name, PieceLength: 16 << 10}
	if path == nil {
		info.Length = int64(len(data))
	} else {
		info.Files = []metainfo.FileInfo{{Path: path, Length: int64(len(data))}}
	}
	if err := info.GeneratePieces(func(metainfo.FileInfo) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}); err != nil {
		t.Fatal(err)
	}
	mi := &metainfo.MetaInfo{}
	var err error
	if mi.InfoBytes, err = bencode.Marshal(info); err != nil {
		t.Fatal(err)
	}
	return mi, data
}

var evilPaths = []struct {
	name  string
	tname string
	path  []string
}{
	{"dot-dot file", "pack", []string{"..", "evil"}},
	{"absolute file", "pack", []string{"/abs", "evil"}},
	{"nested escape", "pack", []string{"a", "..", "..", "evil"}},
	{"dot-dot name", "..", nil},
	{"slash in name", "../evil", nil},
	{"absolute name", "/tmp/evil", nil},
	{"NUL in path", "pack", []string{"ev\x00il"}},
	{"empty segment", "pack", []string{"", "evil"}},
	{"dot segment", "pack", []string{".", "evil"}},
	{"state folder", ".state", []string{"torrents", "evil"}},
}

// jail makes DataDir a child of an otherwise empty folder, so anything
// written outside DataDir shows up there.
func jail(t *testing.T) (parent, dataDir string) {
	parent = t.TempDir()
	dataDir = filepath.Join(parent, "data")
	return parent, dataDir
}

func assertJailed(t *testing.T, parent string) {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "data" {
			t.Errorf("%s was written outside the download folder", e.Name())
		}
	}
	filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), "evil") {
			t.Errorf("unsafe file created: %s", p)
		}
		return nil
	})
}

func TestAddTorrentRejectsUnsafePaths(t *testing.T) {
	for _, tc := range evilPaths {
		t.Run(tc.name, func(t *testing.T) {
			parent, dataDir := jail(t)
			e := newEngine(t, dataDir)
			mi, _ := craft(t, tc.tname, tc.path)
			b, _ := bencode.Marshal(mi)
			_, err := e.AddTorrent(context.Background(), b)
			if hypertube.ErrorCode(err) != hypertube.EINVALID || !strings.Contains(hypertube.ErrorMessage(err), "escape the download folder") {
				t.Fatalf("AddTorrent = %v, want EINVALID about escaping", err)
			}
			assertJailed(t, parent)
		})
	}
}

// rawSeeder seeds mi with a bare anacrolix client whose storage ignores the
// torrent's paths, the way a hostile peer would serve any metadata.
func rawSeeder(t *testing.T, mi *metainfo.MetaInfo, data []byte) *atorrent.Client {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "blob"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	cc := atorrent.NewDefaultClientConfig()
	cc.ListenHost = func(string) string { return "127.0.0.1" }
	cc.ListenPort = 0
	cc.NoDHT, cc.DisablePEX, cc.DisableUTP, cc.DisableIPv6 = true, true, true, true
	cc.NoDefaultPortForwarding, cc.DisableWebtorrent, cc.Seed = true, true, true
	cc.MaxAllocPeerRequestDataPerConn = 16 << 20
	cc.Slogger = slog.New(slog.DiscardHandler)
	cc.DefaultStorage = storage.NewFileOpts(storage.NewFileClientOpts{
		ClientBaseDir:   dir,
		FilePathMaker:   func(storage.FilePathMakerOpts) string { return "blob" },
		UsePartFiles:    g.Some(false),
		PieceCompletion: storage.NewMapPieceCompletion(),
		Logger:          cc.Slogger,
	})
	cl, err := atorrent.NewClient(cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	tt, err := cl.AddTorrent(mi)
	if err != nil {
		t.Fatal(err)
	}
	if err := tt.VerifyData(); err != nil || tt.BytesMissing() != 0 {
		t.Fatalf("raw seeder cannot verify its data: %v, %d missing", err, tt.BytesMissing())
	}
	return cl
}

func TestMagnetWithUnsafeMetadata(t *testing.T) {
	for _, tc := range evilPaths[:5] {
		t.Run(tc.name, func(t *testing.T) {
			mi, data := craft(t, tc.tname, tc.path)
			cl := rawSeeder(t, mi, data)
			parent, dataDir := jail(t)
			e := newEngine(t, dataDir)
			h, err := e.AddMagnet(context.Background(), torrent.Magnet(mi))
			if err != nil {
				t.Fatal(err)
			}
			e.AddPeers(h, addrPort(t, cl.ListenAddrs()[0]))
			c := ctx(t, 20*time.Second)
			if _, err := e.Info(c, h); hypertube.ErrorCode(err) != hypertube.EINVALID {
				t.Fatalf("Info = %v, want EINVALID", err)
			}
			if err := e.DownloadAll(c, h); hypertube.ErrorCode(err) != hypertube.EINVALID {
				t.Fatalf("DownloadAll = %v, want EINVALID", err)
			}
			if _, err := e.OpenFile(c, h, 0); hypertube.ErrorCode(err) != hypertube.EINVALID {
				t.Fatalf("OpenFile = %v, want EINVALID", err)
			}
			if _, err := e.Status(h); hypertube.ErrorCode(err) != hypertube.EINVALID {
				t.Fatalf("Status = %v, want EINVALID", err)
			}
			if _, err := e.AddMagnet(context.Background(), torrent.Magnet(mi)); hypertube.ErrorCode(err) != hypertube.EINVALID {
				t.Fatalf("adding it again = %v, want EINVALID", err)
			}
			if err := e.Drop(h); err != nil {
				t.Fatalf("Drop = %v", err)
			}
			if _, err := e.Status(h); hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
				t.Fatalf("Status after Drop = %v, want ENOTFOUND", err)
			}
			e.Close()
			assertJailed(t, parent)
			if saved, _ := os.ReadDir(filepath.Join(dataDir, ".state", "torrents")); len(saved) != 0 {
				t.Fatalf("unsafe torrent kept for Restore: %v", saved)
			}
		})
	}
}

func TestAddMagnetRejectsBadInput(t *testing.T) {
	e := newEngine(t, t.TempDir())
	for _, in := range []string{
		"",
		"hello",
		"http://example.com/film.torrent",
		"magnet:?dn=film",
		"magnet:?xt=urn:btih:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		"magnet:?xt=urn:btih:0123456789abcdef",
		"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef012345678",
		"magnet:?xt=urn:sha1:0123456789abcdef0123456789abcdef01234567",
		"0123456789abcdef0123456789abcdef0123456",
		"%%%",
	} {
		if h, err := e.AddMagnet(context.Background(), in); hypertube.ErrorCode(err) != hypertube.EINVALID || hypertube.ErrorMessage(err) == "" {
			t.Errorf("AddMagnet(%q) = %q, %v; want EINVALID", in, h, err)
		}
	}
	const hex = "c9e15763f722f23e98a29decdfae341b98d53056"
	for _, in := range []string{
		hex,
		strings.ToUpper(hex),
		"ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW", // base32 of the same hash
		" magnet:?xt=urn:btih:" + hex + "&dn=Film&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce ",
	} {
		if h, err := e.AddMagnet(context.Background(), in); err != nil || h != hex {
			t.Errorf("AddMagnet(%q) = %q, %v; want %s", in, h, err, hex)
		}
	}
	if _, err := e.Status("not-a-hash"); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("Status(not-a-hash) = %v, want EINVALID", err)
	}
}

func TestAddTorrentRejectsBadBytes(t *testing.T) {
	e := newEngine(t, t.TempDir())
	mi, _ := craft(t, "film.mkv", nil)
	good, _ := bencode.Marshal(mi)
	info, _ := mi.UnmarshalInfo()
	info.Pieces = info.Pieces[:20] // three pieces of data, one hash
	short, _ := bencode.Marshal(info)
	mismatched, _ := bencode.Marshal(metainfo.MetaInfo{InfoBytes: short})
	for name, b := range map[string][]byte{
		"nil":         nil,
		"garbage":     []byte("this is not bencode"),
		"truncated":   good[:len(good)/2],
		"no info":     []byte("d8:announce3:urle"),
		"info string": []byte("d4:info3:abce"),
		"bad pieces":  mismatched,
	} {
		if h, err := e.AddTorrent(context.Background(), b); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("%s: AddTorrent = %q, %v; want EINVALID", name, h, err)
		}
	}
	h, err := e.AddTorrent(context.Background(), good)
	if err != nil || h != mi.HashInfoBytes().HexString() {
		t.Fatalf("AddTorrent(good) = %q, %v", h, err)
	}
	if h2, err := e.AddTorrent(context.Background(), good); err != nil || h2 != h {
		t.Fatalf("adding twice = %q, %v", h2, err)
	}
}

func TestSeedFolderDownloadByTorrentFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "Show")
	files := map[string][]byte{"ep1.mkv": nil, "extras/poster.jpg": nil, "extras/ep1.en.srt": nil}
	for name := range files {
		b := make([]byte, 300<<10+len(name))
		rand.Read(b)
		files[name] = b
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o750)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	seed := newEngine(t, t.TempDir())
	mi, hash, err := seed.Seed(ctx(t, 20*time.Second), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := bencode.Marshal(mi)
	dir := t.TempDir()
	e := newEngine(t, dir)
	if h, err := e.AddTorrent(context.Background(), data); err != nil || h != hash {
		t.Fatalf("AddTorrent = %q, %v", h, err)
	}
	e.AddPeers(hash, addrPort(t, seed.ListenAddr()))
	if err := e.DownloadAll(ctx(t, 30*time.Second), hash); err != nil {
		t.Fatal(err)
	}
	info, err := e.Info(context.Background(), hash)
	if err != nil || len(info.Files) != 3 {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	if f, ok := torrent.LargestVideoFile(info); !ok || f.Path != "Show/ep1.mkv" {
		t.Fatalf("LargestVideoFile = %+v", f)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, "Show", filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs on disk (%v)", name, err)
		}
	}
	for _, f := range info.Files {
		r, err := e.OpenFile(context.Background(), hash, f.Index)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if want := files[strings.TrimPrefix(f.Path, "Show/")]; err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs via OpenFile (%v): got %d bytes, want %d; %+v", f.Path, err, len(got), len(want), f)
		}
	}
}
