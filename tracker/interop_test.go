package tracker_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube/tracker"
)

// Two real anacrolix clients find each other through our tracker alone: no
// DHT, no PEX, no peers added by hand.
func TestInteropAnacrolix(t *testing.T) {
	for _, proto := range []string{"http", "udp"} {
		t.Run(proto, func(t *testing.T) {
			trk := tracker.New(tracker.Config{Logger: quietLogger()})
			announceURL := newHTTP(t, trk) + "/announce"
			if proto == "udp" {
				c := serveUDP(t, trk)
				announceURL = "udp://" + c.conn.RemoteAddr().String()
			}
			interop(t, trk, announceURL)
		})
	}
}

func interop(t *testing.T, trk *tracker.Tracker, announceURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// 3 MiB: more than the ~2 MiB where loopback transfers used to stall.
	seedDir := t.TempDir()
	data := make([]byte, 3<<20+12345)
	rng := rand.New(rand.NewPCG(7, uint64(len(announceURL))))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(filepath.Join(seedDir, "film.bin"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	info := metainfo.Info{PieceLength: 256 << 10}
	if err := info.BuildFromFilePath(filepath.Join(seedDir, "film.bin")); err != nil {
		t.Fatal(err)
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	mi := metainfo.MetaInfo{InfoBytes: infoBytes}
	ih := mi.HashInfoBytes()

	// The seeder verifies its data before it learns of the tracker, so that
	// its first announce already says it has everything.
	seeder := newClient(t, seedDir)
	st, err := seeder.AddTorrent(&mi)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.VerifyDataContext(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.Complete().On():
	case <-ctx.Done():
		t.Fatalf("the seeder does not have its own file (%d bytes missing)", st.BytesMissing())
	}
	st.AddTrackers([][]string{{announceURL}})
	waitFor(ctx, t, "the seeder's announce", func() bool { c, _, _ := trk.Stats(ih); return c == 1 })

	leecher := newClient(t, t.TempDir())
	magnet := metainfo.Magnet{InfoHash: ih, DisplayName: "film.bin", Trackers: []string{announceURL}}
	lt, err := leecher.AddMagnet(magnet.String())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-lt.GotInfo():
	case <-ctx.Done():
		t.Fatalf("the leecher got no metadata: %v", ctx.Err())
	}
	lt.DownloadAll()
	r := lt.NewReader()
	defer r.Close()
	r.SetContext(ctx)
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading the download: %v (%d of %d bytes)", err, len(got), len(data))
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes that differ from the %d seeded", len(got), len(data))
	}
	if _, inc, _ := trk.Stats(ih); inc < 1 {
		t.Errorf("the tracker never counted the leecher")
	}
}

func newClient(t *testing.T, dir string) *torrent.Client {
	t.Helper()
	cfg := torrent.NewDefaultClientConfig()
	cfg.DataDir = dir
	cfg.Seed = true
	cfg.NoDHT = true
	cfg.DisablePEX = true
	cfg.DisableUTP = true // uTP on loopback stalls for seconds
	cfg.DisableIPv6 = true
	cfg.DisableWebtorrent = true
	cfg.DisableWebseeds = true
	cfg.NoDefaultPortForwarding = true
	cfg.MaxAllocPeerRequestDataPerConn = 16 << 20 // the default stalls on loopback
	cfg.ListenHost = func(string) string { return "127.0.0.1" }
	cfg.ListenPort = 0
	cfg.Slogger = slog.New(slog.DiscardHandler)
	cl, err := torrent.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	if addrs := cl.ListenAddrs(); len(addrs) == 0 || !addrs[0].(*net.TCPAddr).IP.IsLoopback() {
		t.Fatalf("client listens on %v, want 127.0.0.1", addrs)
	}
	return cl
}

func waitFor(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Sprintf("timed out waiting for %s", what))
		case <-time.After(20 * time.Millisecond):
		}
	}
}
