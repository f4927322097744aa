package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
)

// Interoperability with real BitTorrent clients from Debian (aria2, the
// transmission tools), all on loopback: our seeder, tracker and downloader
// must speak the protocol as others do, not only as anacrolix does.

// aria2c downloads what `hypertube seed` shares, finding it through our
// tracker over HTTP and over UDP.
func TestAria2cFetchesFromSeed(t *testing.T) {
	tr := startTracker(t)
	for _, tc := range []struct {
		name, announce string
		flags          []string
	}{
		{"http tracker", tr.http, nil},
		// aria2c speaks to UDP trackers through its DHT socket only. That
		// socket is bound to 127.0.0.1 like the others, and with an empty
		// routing table, no entry point and our seeder not offering DHT it
		// has no one to talk to beyond the tracker.
		{"udp tracker", tr.udp, []string{"--enable-dht=true", "--dht-listen-port=" + strconv.Itoa(freeUDPPort(t))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			film := filepath.Join(dir, "src", "film.mp4")
			want := writeRandomFile(t, film, 8<<20, 11)
			data := filepath.Join(dir, "data")
			seed := startSeed(t, 1, "--tracker", tc.announce, "--data", data, "--addr", "127.0.0.1:0", "--no-dht", film)
			m, err := metainfo.ParseMagnetUri(seed.magnets[0])
			if err != nil {
				t.Fatal(err)
			}
			tr.waitForPeer(t, m.InfoHash)

			out := filepath.Join(dir, "out")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			args := append(tc.flags, "--dir", out, "--seed-time=0", filepath.Join(data, "film.mp4.torrent"))
			cmd := aria2c(t, ctx, args...)
			if err := cmd.Run(); err != nil {
				t.Fatalf("aria2c: %v\n%s", err, cmd.Stdout)
			}
			assertFileEqual(t, filepath.Join(out, "film.mp4"), want)
		})
	}
}

// `hypertube fetch` downloads from an aria2c seeder a torrent made by
// transmission-create, from the .torrent file and from its magnet link
// (the metadata then comes from aria2c).
func TestFetchFromAria2cSeeder(t *testing.T) {
	tr := startTracker(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	want := writeRandomFile(t, filepath.Join(src, "film.mkv"), 6<<20, 12)
	torrentFile := filepath.Join(dir, "film.torrent")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	create := toolCommand(t, ctx, "transmission-create", "-t", tr.http, "-o", torrentFile, filepath.Join(src, "film.mkv"))
	create.Env = append(os.Environ(), "HOME="+dir) // it may keep settings there
	if err := create.Run(); err != nil {
		t.Fatalf("transmission-create: %v\n%s", err, create.Stdout)
	}
	mi, err := metainfo.LoadFromFile(torrentFile)
	if err != nil {
		t.Fatal(err)
	}

	// -V verifies the file in place, then aria2c seeds it for as long as the test runs.
	seeder := aria2c(t, ctx, "--dir", src, "-V", "--seed-ratio=0.0", "--seed-time=10", torrentFile)
	if err := seeder.Start(); err != nil {
		t.Fatalf("aria2c: %v", err)
	}
	tr.waitForPeer(t, mi.HashInfoBytes())

	for _, tc := range []struct{ name, source string }{
		{"torrent file", torrentFile},
		{"magnet", mi.Magnet(nil, nil).String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			res := runCommand(t, ctx, "fetch", "--out", out, "--addr", "127.0.0.1:0", "--no-dht",
				"--timeout", "60s", "--stall-timeout", "60s", tc.source)
			if res.code != 0 {
				t.Fatalf("fetch exited %d\nstderr: %s\naria2c: %s", res.code, res.stderr, seeder.Stdout)
			}
			assertFileEqual(t, filepath.Join(out, "film.mkv"), want)
		})
	}
}

// aria2c returns an aria2c command that only talks to loopback peers and
// trackers: no DHT, local discovery or peer exchange, sockets bound to
// 127.0.0.1, and no user configuration.
func aria2c(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	base := []string{
		"--no-conf=true",
		"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--interface=127.0.0.1", "--bt-external-ip=127.0.0.1", "--disable-ipv6=true",
		"--listen-port=" + strconv.Itoa(freePort(t)),
		"--bt-tracker-connect-timeout=5", "--bt-tracker-timeout=10", "--bt-stop-timeout=90",
		"--allow-overwrite=true", "--auto-file-renaming=false", "--file-allocation=none",
		"--summary-interval=0", "--console-log-level=warn", "--check-certificate=false",
		"--dht-file-path=" + filepath.Join(t.TempDir(), "dht.dat"),
	}
	return toolCommand(t, ctx, "aria2c", append(base, args...)...)
}

// toolCommand ties a tool to ctx and to the test: it runs in its own process
// group, which is killed when ctx ends or the test finishes, and its output
// is kept (capped) for failure messages.
func toolCommand(t *testing.T, ctx context.Context, name string, args ...string) *exec.Cmd {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (scripts/deps installs it): %v", name, err)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out := &cappedBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	t.Cleanup(func() {
		if cmd.Process != nil && cmd.ProcessState == nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
		}
	})
	return cmd
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	syncBuffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
