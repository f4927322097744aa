package main

import (
	"bytes"
	"context"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube/tracker"
)

// A file and a folder seeded at once come back byte for byte, through the
// magnet links and through the .torrent files.
func TestSeedFetchRoundTrip(t *testing.T) {
	tr := startTracker(t)
	dir := t.TempDir()
	film := filepath.Join(dir, "src", "Night of the Test.bin")
	wantFilm := writeRandomFile(t, film, 20<<20, 1)
	folder := filepath.Join(dir, "src", "Extras")
	wantA := writeRandomFile(t, filepath.Join(folder, "a.bin"), 300<<10, 2)
	wantB := writeRandomFile(t, filepath.Join(folder, "sub", "b.bin"), 50<<10, 3)
	data := filepath.Join(dir, "data")

	seed := startSeed(t, 2, "--tracker", tr.http, "--data", data, "--addr", "127.0.0.1:0", "--no-dht", film, folder)
	for i, name := range []string{"Night of the Test.bin", "Extras"} {
		m, err := metainfo.ParseMagnetUri(seed.magnets[i])
		if err != nil {
			t.Fatalf("magnet %q: %v", seed.magnets[i], err)
		}
		if m.DisplayName != name || len(m.Trackers) != 1 || m.Trackers[0] != tr.http {
			t.Errorf("magnet %q: want dn=%q and tr=%q", seed.magnets[i], name, tr.http)
		}
		mi, err := metainfo.LoadFromFile(filepath.Join(data, name+".torrent"))
		if err != nil {
			t.Fatalf("the .torrent file of %s: %v", name, err)
		}
		if mi.HashInfoBytes() != m.InfoHash {
			t.Errorf("%s.torrent has info hash %s, its magnet %s", name, mi.HashInfoBytes(), m.InfoHash)
		}
		tr.waitForPeer(t, m.InfoHash)
	}

	tests := []struct {
		name, source string
		path         string // what fetch should print, relative to --out
		want         map[string][]byte
	}{
		{"file by magnet", seed.magnets[0], "Night of the Test.bin",
			map[string][]byte{"Night of the Test.bin": wantFilm}},
		{"file by torrent", filepath.Join(data, "Night of the Test.bin.torrent"), "Night of the Test.bin",
			map[string][]byte{"Night of the Test.bin": wantFilm}},
		{"folder by magnet", seed.magnets[1], "Extras",
			map[string][]byte{"Extras/a.bin": wantA, "Extras/sub/b.bin": wantB}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			res := runCommand(t, context.Background(), "fetch", "--out", out, "--addr", "127.0.0.1:0",
				"--no-dht", "--timeout", "60s", "--stall-timeout", "60s", tt.source)
			if res.code != 0 {
				t.Fatalf("fetch exited %d\nstderr: %s", res.code, res.stderr)
			}
			if want := filepath.Join(out, tt.path) + "\n"; res.stdout != want {
				t.Errorf("stdout %q, want %q", res.stdout, want)
			}
			for rel, want := range tt.want {
				assertFileEqual(t, filepath.Join(out, filepath.FromSlash(rel)), want)
			}
			if tt.path == "Night of the Test.bin" && !strings.Contains(res.stderr, "100.0% 20.0 MiB/20.0 MiB") {
				t.Errorf("no final progress line on stderr:\n%s", res.stderr)
			}
		})
	}

	if res := seed.stop(t); res.code != 0 {
		t.Errorf("seed exited %d on interrupt, want 0\nstderr: %s", res.code, res.stderr)
	}
}

func TestSeedBadInput(t *testing.T) {
	dir := t.TempDir()
	film := filepath.Join(dir, "film.bin")
	writeRandomFile(t, film, 1000, 1)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing path", []string{"--data", dir, filepath.Join(dir, "nope.mkv")}, 1,
			"hypertube seed: " + filepath.Join(dir, "nope.mkv") + ": no such file or folder"},
		{"one missing path among good ones", []string{"--data", dir, film, filepath.Join(dir, "nope")}, 1,
			"hypertube seed: " + filepath.Join(dir, "nope") + ": no such file or folder"},
		{"no path", []string{"--data", dir}, 2,
			"hypertube seed: give at least one file or folder to seed"},
		{"unknown flag", []string{"--bogus", film}, 2,
			"hypertube seed: flag provided but not defined: -bogus (see 'hypertube seed --help')"},
		{"bad tracker", []string{"--tracker", "127.0.0.1:6969", film}, 1,
			`hypertube seed: --tracker "127.0.0.1:6969": want an http://, https:// or udp:// URL`},
		{"negative rate", []string{"--upload-rate", "-5", film}, 2,
			"hypertube seed: --upload-rate cannot be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCommand(t, context.Background(), append([]string{"seed"}, tt.args...)...)
			if res.code != tt.code || res.stderr != tt.msg+"\n" || res.stdout != "" {
				t.Errorf("got exit %d, stdout %q, stderr %q\nwant exit %d, stderr %q", res.code, res.stdout, res.stderr, tt.code, tt.msg+"\n")
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"seed", "--help"}, {"seed", "-h"}, {"fetch", "--help"}, {"fetch", "-help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := runCommand(t, context.Background(), args...)
			if res.code != 0 || res.stderr != "" {
				t.Errorf("exit %d, stderr %q; want 0 and nothing", res.code, res.stderr)
			}
			for _, want := range []string{"Usage: hypertube " + args[0] + " [flags]", "-tracker URL", "-no-dht"} {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("usage lacks %q:\n%s", want, res.stdout)
				}
			}
		})
	}
}

// result is how a command run in-process ended.
type result struct {
	code           int
	stdout, stderr string
}

// runCommand runs `hypertube args...` in-process and waits for it.
func runCommand(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var stdout, stderr syncBuffer
	code := run(ctx, append([]string{"hypertube"}, args...), noEnv, strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func noEnv(string) string { return "" }

// seedProcess is `hypertube seed` running in the background.
type seedProcess struct {
	magnets []string
	cancel  context.CancelFunc
	done    chan int
	stdout  *syncBuffer
	stderr  *syncBuffer
	once    sync.Once
	res     result
}

// startSeed runs `hypertube seed args...` until the test ends and returns
// once it has printed n magnet links.
func startSeed(t *testing.T, n int, args ...string) *seedProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &seedProcess{cancel: cancel, done: make(chan int, 1), stdout: new(syncBuffer), stderr: new(syncBuffer)}
	go func() {
		s.done <- run(ctx, append([]string{"hypertube", "seed"}, args...), noEnv, strings.NewReader(""), s.stdout, s.stderr)
	}()
	t.Cleanup(func() { s.stop(t) })
	deadline := time.After(60 * time.Second)
	for {
		lines := strings.Split(strings.TrimSuffix(s.stdout.String(), "\n"), "\n")
		if strings.HasSuffix(s.stdout.String(), "\n") && len(lines) >= n {
			s.magnets = lines
			return s
		}
		select {
		case code := <-s.done:
			s.done <- code
			t.Fatalf("seed exited %d before printing %d magnets\nstderr: %s", code, n, s.stderr.String())
		case <-deadline:
			t.Fatalf("seed printed no magnets within 60s\nstderr: %s", s.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop interrupts the seed as Ctrl-C would and waits for it to exit.
func (s *seedProcess) stop(t *testing.T) result {
	s.once.Do(func() {
		s.cancel()
		select {
		case code := <-s.done:
			s.res = result{code, s.stdout.String(), s.stderr.String()}
		case <-time.After(30 * time.Second):
			t.Errorf("seed did not exit within 30s of an interrupt")
			s.res = result{code: -1}
		}
	})
	return s.res
}

// testTracker is our tracker, in-process on loopback over HTTP and UDP.
type testTracker struct {
	*tracker.Tracker
	http, udp string // announce URLs
}

func startTracker(t *testing.T) *testTracker {
	t.Helper()
	// The default interval: anacrolix re-announces at most once a minute
	// anyway, so a shorter one would only expire its peers early.
	tr := tracker.New(tracker.Config{Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(tr)
	t.Cleanup(srv.Close)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { tr.ServeUDP(ctx, pc); close(served) }()
	t.Cleanup(func() { cancel(); pc.Close(); <-served })
	return &testTracker{Tracker: tr, http: srv.URL + "/announce", udp: "udp://" + pc.LocalAddr().String() + "/announce"}
}

// waitForPeer waits until a peer of infoHash has announced itself, so that
// the next one to announce is told about it rather than retrying in a minute.
// Our seeder counts as a leecher here: it announces before it has verified
// its files.
func (tr *testTracker) waitForPeer(t *testing.T, infoHash [20]byte) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if complete, incomplete, _ := tr.Stats(infoHash); complete+incomplete > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no peer of %x announced itself to the tracker within 30s", infoHash)
}

// writeRandomFile writes size pseudo-random bytes, the same for the same seed.
func writeRandomFile(t *testing.T, path string, size int, seed uint64) []byte {
	t.Helper()
	data := make([]byte, size)
	rng := mrand.NewChaCha8([32]byte{byte(seed)})
	rng.Read(data)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return data
}

func assertFileEqual(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: %d bytes differ from the %d seeded", path, len(got), len(want))
	}
}

// syncBuffer is a bytes.Buffer for the concurrent writes of a running command.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Two torrents of the same name, from different folders, get a .torrent file
// each.
func TestSeedSameNameTwice(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a", "film.bin")
	b := filepath.Join(dir, "b", "film.bin")
	writeRandomFile(t, a, 40<<10, 1)
	writeRandomFile(t, b, 40<<10, 2)
	data := filepath.Join(dir, "data")
	seed := startSeed(t, 2, "--data", data, "--addr", "127.0.0.1:0", "--no-dht", a, b)
	for i, m := range seed.magnets {
		mag, err := metainfo.ParseMagnetUri(m)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(data, "film.bin.torrent")
		if i == 1 {
			file = filepath.Join(data, "film.bin."+mag.InfoHash.HexString()[:8]+".torrent")
		}
		mi, err := metainfo.LoadFromFile(file)
		if err != nil {
			t.Fatalf("torrent %d: %v", i, err)
		}
		if mi.HashInfoBytes() != mag.InfoHash {
			t.Errorf("%s holds %s, want %s", file, mi.HashInfoBytes(), mag.InfoHash)
		}
	}
	if res := seed.stop(t); res.code != 0 || res.stdout != strings.Join(seed.magnets, "\n")+"\n" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
}

func TestTorrentFileName(t *testing.T) {
	const hash = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct{ name, want string }{
		{"Night of the Living Dead (1968).mkv", "Night of the Living Dead (1968).mkv.torrent"},
		{"../../etc/passwd", "_.._etc_passwd.torrent"},
		{`C:\films\a.mkv`, "C__films_a.mkv.torrent"},
		{".hidden", "hidden.torrent"},
		{"..", hash + ".torrent"},
		{"  ", hash + ".torrent"},
		{"bell\x07and\nnewline", "bell_and_newline.torrent"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100) + ".torrent"},
	}
	for _, tt := range tests {
		if got := torrentFileName(tt.name, hash); got != tt.want {
			t.Errorf("torrentFileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
