package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/demo"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/torrent"
)

type demoConfig struct {
	dataDir    string
	trackerURL string
	rate       int64
	runner     *media.Runner
	movies     hypertube.MovieService
	engine     *torrent.Engine
	log        *slog.Logger
}

// startDemo generates the demo films and seeds them from a second peer with
// its own client, port and storage, announcing to the built-in tracker, so
// that pressing Play downloads them over real loopback sockets.
func startDemo(ctx context.Context, c demoConfig) (*torrent.Engine, error) {
	films, err := demo.GenerateWith(ctx, c.runner, filepath.Join(c.dataDir, "demo"), demo.Options{Logger: c.log})
	if err != nil {
		return nil, fmt.Errorf("generate demo films: %w", err)
	}
	seeder, err := torrent.NewEngine(torrent.Config{
		DataDir:    filepath.Join(c.dataDir, "demo-seeder"),
		ListenAddr: "127.0.0.1:0",
		NoDHT:      true,
		NoPEX:      true,
		NoUTP:      true,
		Seed:       true,
		UploadRate: c.rate,
		Logger:     c.log.With("peer", "demo"),
	})
	if err != nil {
		return nil, err
	}
	seederAddr, _ := netip.ParseAddrPort(seeder.ListenAddr().String())
	for _, f := range films {
		_, ih, err := seeder.Seed(ctx, f.Path, []string{c.trackerURL})
		if err != nil {
			seeder.Close()
			return nil, fmt.Errorf("seed %s: %w", f.Title, err)
		}
		m := &hypertube.Movie{
			Title:    f.Title,
			Year:     f.Year,
			Summary:  f.Summary,
			Genres:   f.Genres,
			Runtime:  int(f.Duration.Minutes() + 0.5),
			Source:   "demo",
			InfoHash: ih,
			Magnet:   demoMagnet(ih, f.Title, c.trackerURL),
			Poster:   f.PosterPath,
		}
		if err := c.movies.CreateMovie(ctx, m); err != nil {
			seeder.Close()
			return nil, err
		}
		// The tracker would introduce the two peers within an announce; telling
		// the engine directly saves that round trip on the first Play.
		if _, err := c.engine.AddMagnet(ctx, m.Magnet); err == nil && seederAddr.IsValid() {
			c.engine.AddPeers(ih, seederAddr)
		}
		c.log.Info("demo film ready", "title", f.Title, "infohash", ih)
	}
	return seeder, nil
}

func demoMagnet(infoHash, name, trackerURL string) string {
	return "magnet:?xt=urn:btih:" + infoHash + "&dn=" + url.QueryEscape(name) + "&tr=" + url.QueryEscape(trackerURL)
}

// parseSize parses "1500000", "512K", "1.5MiB", "2MB" into bytes: binary and
// decimal suffixes are both taken as powers of 1024, as download tools do.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "/S"), "B")
	t = strings.TrimSuffix(t, "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			mult, t = 1<<10, t[:n-1]
		case 'M':
			mult, t = 1<<20, t[:n-1]
		case 'G':
			mult, t = 1<<30, t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || f < 0 || f > 1<<40 {
		return 0, fmt.Errorf("%q is not a size such as 2MiB or 500K", s)
	}
	return int64(f * float64(mult)), nil
}
