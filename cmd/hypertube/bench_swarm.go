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

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/store"
	"github.com/hypertube/hypertube/torrent"
	"github.com/hypertube/hypertube/tracker"
	"github.com/hypertube/hypertube/web"
)

// benchSwarm is one phase's swarm: our tracker and one seeder, as
// `hypertube seed` runs it, all on 127.0.0.1.
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

// benchSite is a fresh Hypertube server, as `hypertube serve` wires it: its
// own engine, SQLite library and web site, with every film of the swarm in
// the library by magnet link.
type benchSite struct {
	dir    string
	engine *torrent.Engine
	db     *store.DB
	srv    *http.Server
	url    string
	movies []int64 // ids, in the order of the swarm's torrents
	client *http.Client
}

func (s *benchSwarm) newSite(ctx context.Context, log *slog.Logger) (*benchSite, error) {
	dir, err := os.MkdirTemp("", "hypertube-bench-site-")
	if err != nil {
		return nil, err
	}
	site := &benchSite{dir: dir}
	site.engine, err = torrent.NewEngine(torrent.Config{
		DataDir: filepath.Join(dir, "torrents"), StateDir: filepath.Join(dir, "state"),
		ListenAddr: "127.0.0.1:0", NoDHT: true, NoPEX: true, NoUTP: true,
		Logger: log.With("peer", "site"),
	})
	if err != nil {
		site.Close()
		return nil, err
	}
	if site.db, err = store.Open(ctx, "", dir); err != nil {
		site.Close()
		return nil, err
	}
	movies := store.NewMovieService(site.db)
	for i, t := range s.torrents {
		m := &hypertube.Movie{Title: fmt.Sprintf("Bench film %d", i+1), Year: 2025, Source: "bench",
			InfoHash: t.infoHash, Magnet: t.magnet}
		if err := movies.CreateMovie(ctx, m); err != nil {
			site.Close()
			return nil, err
		}
		site.movies = append(site.movies, m.ID)
	}
	h, err := web.New(web.Config{Movies: movies, Engine: site.engine, DataDir: dir, Logger: log.With("peer", "web"),
		FirstByteTimeout: time.Minute})
	if err != nil {
		site.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		site.Close()
		return nil, err
	}
	site.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go site.srv.Serve(ln)
	site.url = "http://" + ln.Addr().String()
	site.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100, DisableCompression: true}}
	return site, nil
}

func (site *benchSite) streamURL(i int) string {
	return site.url + "/movies/" + strconv.FormatInt(site.movies[i], 10) + "/stream"
}

func (site *benchSite) pageURL(i int) string {
	return site.url + "/movies/" + strconv.FormatInt(site.movies[i], 10)
}

// get starts a GET of film i's stream from byte offset on.
func (site *benchSite) get(ctx context.Context, i int, offset int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, site.streamURL(i), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	res, err := site.client.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusPartialContent {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		return nil, fmt.Errorf("GET %s: %s: %s", site.streamURL(i), res.Status, strings.TrimSpace(string(body)))
	}
	return res, nil
}

func (site *benchSite) Close() {
	if site.srv != nil {
		// Let handlers of streams the viewers closed return before the
		// engine goes, or they log reads of a closed torrent as errors.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		site.srv.Shutdown(ctx)
		cancel()
		site.srv.Close()
	}
	if site.client != nil {
		site.client.CloseIdleConnections()
	}
	if site.engine != nil {
		site.engine.Close()
	}
	if site.db != nil {
		site.db.Close()
	}
	os.RemoveAll(site.dir)
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
