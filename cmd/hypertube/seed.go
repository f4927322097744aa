package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

const seedUsage = `[flags] PATH...

Makes a torrent of each file or folder, writes it into --data, prints its
magnet link (one per line) and seeds until interrupted.`

func runSeed(ctx context.Context, args []string, e env) error {
	fset := newFlagSet("seed", seedUsage, e)
	dataDir := fset.String("data", "data", "folder for the .torrent files and the engine's state")
	addr := fset.String("addr", "", "listen for peers on `HOST:PORT` (default: any free port)")
	var trackers stringList
	fset.Var(&trackers, "tracker", "announce to this tracker `URL` and put it in the torrents (repeatable)")
	noDHT := fset.Bool("no-dht", false, "do not announce to the DHT")
	utp := fset.Bool("utp", false, "also use uTP (off by default: it stalls on some links)")
	uploadRate := fset.Int64("upload-rate", 0, "upload at most `N` bytes/s (0: no limit)")
	if err := parseCommandLine(fset, seedUsage, args, e); err != nil {
		return err
	}
	if fset.NArg() == 0 {
		return usageError{"give at least one file or folder to seed"}
	}
	if *uploadRate < 0 {
		return usageError{"--upload-rate cannot be negative"}
	}
	if err := checkTrackerURLs(trackers); err != nil {
		return personError(err)
	}
	// Check every path before seeding any, so that a typo fails at once.
	var paths []string
	for _, p := range fset.Args() {
		abs, err := checkSeedPath(p)
		if err != nil {
			return personError(err)
		}
		paths = append(paths, abs)
	}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		return fmt.Errorf("cannot create the data folder: %w", err)
	}

	logger := commandLogger(e, slog.LevelInfo)
	eng, err := torrent.NewEngine(torrent.Config{
		DataDir:    *dataDir,
		ListenAddr: *addr,
		NoDHT:      *noDHT,
		NoUTP:      !*utp,
		Seed:       true,
		UploadRate: *uploadRate,
		Logger:     logger,
	})
	if err != nil {
		return personError(err)
	}
	defer eng.Close()

	for _, p := range paths {
		mi, infoHash, err := eng.Seed(ctx, p, trackers)
		switch {
		case ctx.Err() != nil: // Ctrl-C while hashing is a normal way to stop
			logger.Info("stopped before seeding", "path", p)
			return nil
		case err != nil:
			return personError(err)
		}
		file, err := saveTorrentFile(*dataDir, mi, infoHash)
		if err != nil {
			return err
		}
		logger.Info("seeding", "path", p, "infoHash", infoHash, "torrent", file, "listen", eng.ListenAddr().String())
		fmt.Fprintln(e.Stdout, torrent.Magnet(mi))
	}
	<-ctx.Done()
	logger.Info("stopped seeding")
	return nil
}

func checkSeedPath(p string) (string, error) {
	_, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", hypertube.Errorf(hypertube.EINVALID, "%s: no such file or folder", p)
	case err != nil:
		return "", hypertube.Errorf(hypertube.EINVALID, "cannot seed %s: %v", p, errors.Unwrap(err))
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "cannot seed %s: %v", p, err)
	}
	return abs, nil
}

// checkTrackerURLs rejects what no client can announce to, so that a typo is
// not found out hours later by an empty swarm.
func checkTrackerURLs(trackers []string) error {
	for _, t := range trackers {
		u, err := url.Parse(t)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "udp") {
			return hypertube.Errorf(hypertube.EINVALID, "--tracker %q: want an http://, https:// or udp:// URL", t)
		}
	}
	return nil
}

// torrentFileName makes a safe file name from a torrent's name, which comes
// from the file system here but may hold anything in general.
func torrentFileName(name, infoHash string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || unicode.IsControl(r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		name = infoHash
	}
	if len(name) > 200 { // file names are limited to 255 bytes on most systems
		name = strings.ToValidUTF8(name[:200], "")
	}
	return name + ".torrent"
}

// saveTorrentFile writes mi into dir, named after the torrent. A different
// torrent of the same name (two folders' "movie.mp4") gets its info hash
// appended rather than being overwritten.
func saveTorrentFile(dir string, mi *metainfo.MetaInfo, infoHash string) (string, error) {
	info, err := mi.UnmarshalInfo()
	if err != nil {
		return "", err
	}
	name := torrentFileName(info.BestName(), infoHash)
	file := filepath.Join(dir, name)
	if old, err := metainfo.LoadFromFile(file); err == nil && old.HashInfoBytes().HexString() != infoHash {
		file = filepath.Join(dir, strings.TrimSuffix(name, ".torrent")+"."+infoHash[:8]+".torrent")
	}
	if err := writeFileAtomically(file, mi.Write); err != nil {
		return "", fmt.Errorf("cannot write %s: %w", file, err)
	}
	return file, nil
}

// writeFileAtomically writes through a temporary file so that a reader never
// sees half a torrent.
func writeFileAtomically(path string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".torrent-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// commandLogger logs to stderr at level, or at $HYPERTUBE_LOG_LEVEL when set
// (debug, info, warn, error).
func commandLogger(e env, level slog.Level) *slog.Logger {
	if e.Getenv != nil && e.Getenv("HYPERTUBE_LOG_LEVEL") != "" {
		_ = level.UnmarshalText([]byte(e.Getenv("HYPERTUBE_LOG_LEVEL")))
	}
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: level}))
}
