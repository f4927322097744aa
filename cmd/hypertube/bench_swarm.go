package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube/torrent"
	"github.com/hypertube/hypertube/tracker"
)

// benchSwarm is one phase's swarm: a tracker and one seeder, as `hypertube
// seed` runs them, all on 127.0.0.1. The tracker is the swarm's own rather
// than serve's built-in one: each run starts a fresh serve, while the swarm
// lives for the whole phase, as a public tracker would. The films' magnets
// and .torrent files name it, so serve finds the seeder the way it finds
// peers anywhere.
type benchSwarm struct {
	dir        string
	trackerURL string
	tracker    *http.Server
	seeder     *torrent.Engine
	seederAddr netip.AddrPort
	torrents   []benchTorrent
}

type benchTorrent struct {
	film     benchFilm
	infoHash string
	magnet   string // with our tracker
	file     []byte // the .torrent
}

// startSwarm seeds films, uploading at most uploadRate bytes/s (0: no limit).
func startSwarm(ctx context.Context, log *slog.Logger, uploadRate int64, films ...benchFilm) (*benchSwarm, error) {
	dir, err := os.MkdirTemp("", "hypertube-bench-swarm-")
	if err != nil {
		return nil, err
	}
	s := &benchSwarm{dir: dir}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	trk := tracker.New(tracker.Config{Interval: 30 * time.Second, Logger: log})
	s.tracker = &http.Server{Handler: trk, ReadHeaderTimeout: 10 * time.Second}
	go s.tracker.Serve(ln)
	s.trackerURL = "http://" + ln.Addr().String() + "/announce"

	s.seeder, err = torrent.NewEngine(torrent.Config{
		DataDir: filepath.Join(dir, "seeder"), ListenAddr: "127.0.0.1:0",
		NoDHT: true, NoPEX: true, NoUTP: true, Seed: true, UploadRate: uploadRate,
		Logger: log.With("peer", "seeder"),
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.seederAddr, _ = netip.ParseAddrPort(s.seeder.ListenAddr().String())
	for _, f := range films {
		mi, ih, err := s.seeder.Seed(ctx, f.Path, []string{s.trackerURL})
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("seeding %s: %w", f.Path, err)
		}
		var buf bytes.Buffer
		if err := mi.Write(&buf); err != nil {
			s.Close()
			return nil, err
		}
		s.torrents = append(s.torrents, benchTorrent{film: f, infoHash: ih, magnet: torrent.Magnet(mi), file: buf.Bytes()})
	}
	return s, nil
}

func (s *benchSwarm) Close() {
	if s.seeder != nil {
		s.seeder.Close()
	}
	if s.tracker != nil {
		s.tracker.Close()
	}
	os.RemoveAll(s.dir)
}

// readMemory returns VmRSS and RssAnon of this process in bytes. RssAnon
// leaves out file pages, which the seeder's reads of the film bring in.
func readMemory() (rss, anon int64, err error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "RssAnon") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/self/status: %s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			anon = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, errors.New("/proc/self/status has no VmRSS")
	}
	return rss, anon, sc.Err()
}

// mustNotEnd turns an unexpected io.EOF into an error that says so.
func mustNotEnd(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s ended early", what)
	}
	return err
}
