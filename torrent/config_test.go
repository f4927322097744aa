package torrent_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/torrent"
)

func TestConfigTrackersAnnounced(t *testing.T) {
	announced := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case announced <- r.URL.Query().Get("info_hash"):
		default:
		}
		w.Write([]byte("d8:intervali60e5:peers0:e"))
	}))
	defer srv.Close()
	e := newEngine(t, t.TempDir(), func(c *torrent.Config) { c.Trackers = []string{srv.URL + "/announce"} })
	h, err := e.AddMagnet(context.Background(), "c9e15763f722f23e98a29decdfae341b98d53056")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := torrent.ParseInfoHash(h)
	select {
	case got := <-announced:
		if got != string(want[:]) {
			t.Fatalf("tracker got info_hash %x, want %s", got, h)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the configured tracker was never announced to")
	}
}

// A complete torrent is uploaded further only when the engine seeds.
func TestSeedSetting(t *testing.T) {
	for _, seeds := range []bool{true, false} {
		seed, hash, magnet, _ := seeder(t, 1<<20)
		middle, _, _ := leech(t, seed, magnet, func(c *torrent.Config) { c.Seed = seeds })
		if err := middle.DownloadAll(ctx(t, 20*time.Second), hash); err != nil {
			t.Fatal(err)
		}
		seed.Close() // from now on only middle has the data
		last, _, _ := leech(t, middle, magnet)
		c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := last.DownloadAll(c, hash)
		cancel()
		if seeds && err != nil {
			t.Errorf("Seed=true: downloading from a complete peer: %v", err)
		}
		if !seeds && err == nil {
			t.Errorf("Seed=false: a complete peer kept uploading")
		}
	}
}

// A seeder announces only once its data is verified, and then with nothing
// left: to its torrent's trackers and to the configured ones.
func TestSeedAnnouncesWhenVerified(t *testing.T) {
	lefts := make(chan string, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case lefts <- r.URL.Path + " left=" + r.URL.Query().Get("left"):
		default:
		}
		w.Write([]byte("d8:intervali60e5:peers0:e"))
	}))
	defer srv.Close()
	e := newEngine(t, t.TempDir(), func(c *torrent.Config) { c.Trackers = []string{srv.URL + "/configured"} })
	p := writeRandom(t, "film.mp4", 64<<20)
	if _, _, err := e.Seed(ctx(t, 30*time.Second), p, []string{srv.URL + "/own"}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for len(seen) < 2 {
		select {
		case got := <-lefts:
			path, left, _ := strings.Cut(got, " ")
			if left != "left=0" {
				t.Fatalf("%s announced %s", path, left)
			}
			seen[path] = true
		case <-time.After(15 * time.Second):
			t.Fatalf("announced to %v only", seen)
		}
	}
}
