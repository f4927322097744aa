package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypertube/hypertube/torrent"
)

func TestFetchBadInput(t *testing.T) {
	dir := t.TempDir()
	good := makeTorrentFile(t, dir, "film.bin", 100<<10)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.torrent")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	notTorrent := filepath.Join(dir, "src-film.bin", "film.bin")
	const badMagnet = "hypertube fetch: this is not a valid magnet link: it needs xt=urn:btih: followed by a 40-character hex or 32-character base32 info hash"
	missing := filepath.Join(dir, "missing.torrent")

	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"malformed magnet", []string{"magnet:?xt=urn:btih:not-a-hash"}, 1, badMagnet},
		{"magnet without hash", []string{"magnet:?dn=film"}, 1, badMagnet},
		{"magnet with bad escape", []string{"magnet:?xt=%zz"}, 1, badMagnet},
		{"truncated torrent", []string{truncated}, 1,
			"hypertube fetch: " + truncated + " is not a valid .torrent file: it is truncated or corrupt"},
		{"not a torrent", []string{notTorrent}, 1,
			"hypertube fetch: " + notTorrent + " is not a valid .torrent file: it is truncated or corrupt"},
		{"nonexistent file", []string{missing}, 1,
			"hypertube fetch: " + missing + ": no such file (give a magnet link or a .torrent file)"},
		{"a folder", []string{dir}, 1,
			"hypertube fetch: cannot read " + dir + ": is a directory"},
		{"unknown flag", []string{"--bogus", good}, 2,
			"hypertube fetch: flag provided but not defined: -bogus (see 'hypertube fetch --help')"},
		{"no source", nil, 2,
			"hypertube fetch: give exactly one magnet link or .torrent file"},
		{"two sources", []string{good, good}, 2,
			"hypertube fetch: give exactly one magnet link or .torrent file"},
		{"bad peer", []string{"--peer", "127.0.0.1", good}, 1,
			`hypertube fetch: --peer "127.0.0.1": want HOST:PORT`},
		{"bad tracker", []string{"--tracker", "ftp://127.0.0.1/", good}, 1,
			`hypertube fetch: --tracker "ftp://127.0.0.1/": want an http://, https:// or udp:// URL`},
		{"bad timeout", []string{"--timeout", "0s", good}, 2,
			"hypertube fetch: --timeout and --stall-timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"fetch", "--out", t.TempDir(), "--no-dht"}, tt.args...)
			res := runCommand(t, context.Background(), args...)
			if res.code != tt.code || res.stderr != tt.msg+"\n" || res.stdout != "" {
				t.Errorf("got exit %d, stdout %q, stderr %q\nwant exit %d, stderr %q", res.code, res.stdout, res.stderr, tt.code, tt.msg+"\n")
			}
		})
	}
}

// Without peers, fetch gives up with a message that says why rather than
// waiting for ever: on the metadata of a magnet, or on the data of a torrent.
func TestFetchGivesUp(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		source string
		flags  []string
		msg    string
	}{
		{"no metadata", "magnet:?xt=urn:btih:" + strings.Repeat("ab", 20) + "&dn=lost",
			[]string{"--timeout", "2s"},
			"hypertube fetch: no peers found for this torrent within 2s"},
		{"dead swarm", makeTorrentFile(t, dir, "film.bin", 100<<10),
			[]string{"--stall-timeout", "2s"},
			"hypertube fetch: the download stalled: no data from 0 peers for 2s (0 B of 100.0 KiB done)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"fetch", "--out", t.TempDir(), "--no-dht", "--addr", "127.0.0.1:0"}, tt.flags...)
			res := runCommand(t, context.Background(), append(args, tt.source)...)
			lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
			if res.code != 1 || lines[len(lines)-1] != tt.msg || res.stdout != "" {
				t.Errorf("got exit %d, stdout %q, stderr:\n%s\nwant exit 1 and last line %q", res.code, res.stdout, res.stderr, tt.msg)
			}
		})
	}
}

// An interrupt (Ctrl-C) ends a fetch at once, with a non-zero status.
func TestFetchInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := runCommand(t, ctx, "fetch", "--out", t.TempDir(), "--no-dht", "--addr", "127.0.0.1:0",
		"magnet:?xt=urn:btih:"+strings.Repeat("cd", 20))
	if res.code != 1 || !strings.HasSuffix(res.stderr, "hypertube fetch: interrupted before the download started\n") {
		t.Errorf("got exit %d, stderr %q", res.code, res.stderr)
	}
}

// makeTorrentFile writes a random file of size bytes into a folder of its
// own under dir and a .torrent of it, without trackers, and returns the
// latter's path.
func makeTorrentFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	src := filepath.Join(dir, "src-"+name, name)
	writeRandomFile(t, src, size, 7)
	mi, err := torrent.MakeTorrent(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".torrent")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := mi.Write(f); err != nil {
		t.Fatal(err)
	}
	return path
}

// Files already on disk are verified and kept: a finished download needs no
// peers to finish again.
func TestFetchFindsFilesOnDisk(t *testing.T) {
	dir := t.TempDir()
	torrentFile := makeTorrentFile(t, dir, "film.bin", 600<<10) // the film is in dir/src-film.bin
	out := filepath.Join(dir, "src-film.bin")
	res := runCommand(t, context.Background(), "fetch", "--out", out, "--no-dht", "--addr", "127.0.0.1:0",
		"--stall-timeout", "20s", torrentFile)
	if res.code != 0 || res.stdout != filepath.Join(out, "film.bin")+"\n" {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", res.code, res.stdout, res.stderr)
	}
}
