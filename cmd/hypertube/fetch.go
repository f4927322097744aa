package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/torrent"
)

const fetchUsage = `[flags] MAGNET|FILE.torrent

Downloads a torrent into --out and prints the path of what it wrote. Exits 0
only once every piece has been verified.`

func runFetch(ctx context.Context, args []string, e env) error {
	fset := newFlagSet("fetch", fetchUsage, e)
	out := fset.String("out", ".", "folder to download into")
	addr := fset.String("addr", ":0", "listen for peers on `HOST:PORT`")
	var trackers, peers stringList
	fset.Var(&trackers, "tracker", "also announce to this tracker `URL` (repeatable)")
	fset.Var(&peers, "peer", "also connect to the peer at `HOST:PORT` (repeatable)")
	noDHT := fset.Bool("no-dht", false, "do not look for peers in the DHT")
	utp := fset.Bool("utp", false, "also use uTP (off by default: it stalls on some links)")
	downloadRate := fset.Int64("download-rate", 0, "download at most `N` bytes/s (0: no limit)")
	timeout := fset.Duration("timeout", time.Minute, "give up when no peer sends the torrent's metadata within this time")
	stallTimeout := fset.Duration("stall-timeout", 2*time.Minute, "give up when no data arrives for this long")
	if err := parseCommandLine(fset, fetchUsage, args, e); err != nil {
		return err
	}
	if fset.NArg() != 1 {
		return usageError{"give exactly one magnet link or .torrent file"}
	}
	if *timeout <= 0 || *stallTimeout <= 0 {
		return usageError{"--timeout and --stall-timeout must be positive"}
	}
	if *downloadRate < 0 {
		return usageError{"--download-rate cannot be negative"}
	}
	if err := checkTrackerURLs(trackers); err != nil {
		return personError(err)
	}
	peerAddrs, err := resolvePeers(ctx, peers)
	if err != nil {
		return personError(err)
	}
	// Read the source before starting the engine so that bad input fails fast
	// and alone on stderr.
	src, err := loadFetchSource(fset.Arg(0))
	if err != nil {
		return personError(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("cannot create the output folder: %w", err)
	}
	// The engine's state (piece completion) is only useful while this run
	// lasts; keeping it would leave litter next to the user's files.
	stateDir, err := os.MkdirTemp("", "hypertube-fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stateDir)

	eng, err := torrent.NewEngine(torrent.Config{
		DataDir:      *out,
		StateDir:     stateDir,
		ListenAddr:   *addr,
		NoDHT:        *noDHT,
		NoUTP:        !*utp,
		DownloadRate: *downloadRate,
		Trackers:     trackers,
		Logger:       commandLogger(e, slog.LevelWarn),
	})
	if err != nil {
		return personError(err)
	}
	defer eng.Close()

	f := fetcher{eng: eng, stderr: e.Stderr, timeout: *timeout, stallTimeout: *stallTimeout}
	path, err := f.fetch(ctx, src, peerAddrs, *out)
	if err != nil {
		return personError(err)
	}
	fmt.Fprintln(e.Stdout, path)
	return nil
}

// fetchSource is a validated magnet link or .torrent file.
type fetchSource struct {
	magnet  string
	torrent []byte
}

func loadFetchSource(arg string) (fetchSource, error) {
	if strings.HasPrefix(strings.ToLower(arg), "magnet:") {
		if _, err := metainfo.ParseMagnetUri(arg); err != nil {
			// anacrolix's reason names its internals; say what a good link looks like instead.
			return fetchSource{}, hypertube.Errorf(hypertube.EINVALID,
				"this is not a valid magnet link: it needs xt=urn:btih: followed by a 40-character hex or 32-character base32 info hash")
		}
		return fetchSource{magnet: arg}, nil
	}
	data, err := os.ReadFile(arg)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fetchSource{}, hypertube.Errorf(hypertube.EINVALID, "%s: no such file (give a magnet link or a .torrent file)", arg)
	case err != nil:
		return fetchSource{}, hypertube.Errorf(hypertube.EINVALID, "cannot read %s: %v", arg, errors.Unwrap(err))
	}
	mi, err := metainfo.Load(bytes.NewReader(data))
	if err == nil {
		_, err = mi.UnmarshalInfo()
	}
	if err != nil {
		return fetchSource{}, hypertube.Errorf(hypertube.EINVALID, "%s is not a valid .torrent file: it is truncated or corrupt", arg)
	}
	return fetchSource{torrent: data}, nil
}

var errInterruptedStart = errors.New("interrupted before the download started")

// fetcher drives one download and reports its progress.
type fetcher struct {
	eng          *torrent.Engine
	stderr       io.Writer
	timeout      time.Duration // for the metadata
	stallTimeout time.Duration // for data once the metadata is in
}

func (f fetcher) fetch(ctx context.Context, src fetchSource, peers []netip.AddrPort, out string) (string, error) {
	var infoHash string
	var err error
	if src.magnet != "" {
		infoHash, err = f.eng.AddMagnet(ctx, src.magnet)
	} else {
		infoHash, err = f.eng.AddTorrent(ctx, src.torrent)
	}
	switch {
	case ctx.Err() != nil:
		return "", errInterruptedStart
	case err != nil:
		return "", err
	}
	if len(peers) > 0 {
		f.eng.AddPeers(infoHash, peers...)
	}

	infoCtx, cancel := context.WithTimeout(ctx, f.timeout)
	info, err := f.eng.Info(infoCtx, infoHash)
	cancel()
	switch {
	case ctx.Err() != nil:
		return "", errInterruptedStart
	case err != nil && infoCtx.Err() != nil:
		return "", hypertube.Errorf(hypertube.ETIMEOUT, "no peers found for this torrent within %s", f.timeout)
	case err != nil:
		return "", err
	}
	path := filepath.Join(out, filepath.FromSlash(info.Name))
	files := "1 file"
	if len(info.Files) != 1 {
		files = fmt.Sprintf("%d files", len(info.Files))
	}
	fmt.Fprintf(f.stderr, "Fetching %s (%s, %s) into %s\n", info.Name, progressBytes(info.Length), files, out)

	if err := f.download(ctx, infoHash); err != nil {
		return "", err
	}
	return path, nil
}

// download waits for DownloadAll while showing progress, and gives up when
// the swarm stops sending data.
func (f fetcher) download(ctx context.Context, infoHash string) error {
	dlCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.eng.DownloadAll(dlCtx, infoHash) }()

	pw := newProgressWriter(f.stderr)
	defer pw.finish()
	tick := time.NewTicker(pw.interval())
	defer tick.Stop()

	var lastCompleted, lastRead int64
	lastChange := time.Now()
	for {
		select {
		case err := <-done:
			if st, serr := f.eng.Status(infoHash); serr == nil {
				pw.update(statusProgress(st), time.Now(), true)
			}
			if ctx.Err() != nil {
				return errors.New("interrupted before the download finished")
			}
			return err
		case now := <-tick.C:
			st, err := f.eng.Status(infoHash)
			if err != nil {
				return err
			}
			pw.update(statusProgress(st), now, false)
			// Unverified bytes count as progress too: with big pieces a
			// live swarm can go a while between verified pieces.
			if st.BytesCompleted > lastCompleted || st.BytesRead > lastRead {
				lastCompleted, lastRead, lastChange = st.BytesCompleted, st.BytesRead, now
			}
			if now.Sub(lastChange) >= f.stallTimeout {
				cancel()
				<-done
				pw.update(statusProgress(st), now, true)
				return hypertube.Errorf(hypertube.ETIMEOUT,
					"the download stalled: no data from %s for %s (%s of %s done)",
					progressPeers(st.Peers), f.stallTimeout, progressBytes(st.BytesCompleted), progressBytes(st.Length))
			}
		}
	}
}

func statusProgress(st *hypertube.TorrentStatus) downloadProgress {
	return downloadProgress{Done: st.BytesCompleted, Total: st.Length, Rate: st.DownloadRate, Peers: st.Peers}
}

// resolvePeers turns HOST:PORT strings into addresses, resolving names once.
func resolvePeers(ctx context.Context, peers []string) ([]netip.AddrPort, error) {
	var addrs []netip.AddrPort
	for _, p := range peers {
		if ap, err := netip.ParseAddrPort(p); err == nil {
			addrs = append(addrs, ap)
			continue
		}
		host, port, err := net.SplitHostPort(p)
		if err != nil {
			return nil, hypertube.Errorf(hypertube.EINVALID, "--peer %q: want HOST:PORT", p)
		}
		ap, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(ap) == 0 {
			return nil, hypertube.Errorf(hypertube.EINVALID, "--peer %q: cannot resolve %s", p, host)
		}
		ip, err := netip.ParseAddrPort(net.JoinHostPort(ap[0].Unmap().String(), port))
		if err != nil {
			return nil, hypertube.Errorf(hypertube.EINVALID, "--peer %q: bad port %s", p, port)
		}
		addrs = append(addrs, ip)
	}
	return addrs, nil
}

// parseCommandLine parses args like parseFlags, but prints --help on stdout
// (it was asked for) and leaves a bad flag to run's one-line message instead
// of following it with the whole usage.
func parseCommandLine(fset *flag.FlagSet, usage string, args []string, e env) error {
	fset.SetOutput(io.Discard)
	fset.Usage = func() {}
	err := parseFlags(fset, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(e.Stdout, "Usage: hypertube %s %s\n\nFlags:\n", fset.Name(), usage)
		fset.SetOutput(e.Stdout)
		fset.PrintDefaults()
		return err
	}
	if ue := (usageError{}); errors.As(err, &ue) {
		return usageError{fmt.Sprintf("%s (see 'hypertube %s --help')", ue.msg, fset.Name())}
	}
	return err
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// personError turns a *hypertube.Error into an error whose text is just its
// message, since run prints errors to a person as they are.
func personError(err error) error {
	var he *hypertube.Error
	if errors.As(err, &he) {
		return messageError{err}
	}
	return err
}

type messageError struct{ err error }

func (e messageError) Error() string { return hypertube.ErrorMessage(e.err) }
func (e messageError) Unwrap() error { return e.err }
