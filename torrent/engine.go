// Package torrent is Hypertube's BitTorrent engine: it implements
// hypertube.Engine on top of github.com/anacrolix/torrent.
package torrent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
	"golang.org/x/time/rate"

	"github.com/hypertube/hypertube"
)

var _ hypertube.Engine = (*Engine)(nil)

// Config configures an Engine.
type Config struct {
	DataDir    string // where downloaded files go; created if missing
	StateDir   string // piece-completion db and saved .torrent files; "" → DataDir/.state
	ListenAddr string // e.g. "127.0.0.1:0" (tests), ":42069" (serve); "" → ":0"

	NoDHT, NoPEX, NoUTP bool // serve turns all on; tests and offline use turn them off

	// Seed keeps uploading a torrent once it is complete. Without it the
	// engine still uploads while a torrent downloads, and torrents given to
	// Engine.Seed are always seeded.
	Seed bool
	// PortForwarding asks the router (UPnP/NAT-PMP) to forward the listen
	// port. Off by default: it broadcasts on the LAN.
	PortForwarding bool

	UploadRate   int64 // bytes/s; 0 = unlimited
	DownloadRate int64 // bytes/s; 0 = unlimited

	Trackers []string // announce URLs added to every torrent
	Logger   *slog.Logger

	// IdleTimeout is how long a torrent may sit with no open reader and no
	// DownloadAll before it is released from memory (its files, piece
	// completion and metainfo stay, and any use re-adds it). 0 means
	// DefaultIdleTimeout; a negative value never releases. Torrents given to
	// Engine.Seed, and complete torrents when Seed is set, are never released.
	IdleTimeout time.Duration
}

// DefaultIdleTimeout is Config.IdleTimeout's default.
const DefaultIdleTimeout = 10 * time.Minute

// Engine downloads, streams and seeds torrents. It is safe for concurrent use.
type Engine struct {
	cfg      Config
	log      *slog.Logger
	client   *torrent.Client
	storage  storage.ClientImplCloser
	dataDir  string // absolute
	stateDir string // absolute
	reserved string // first path component of stateDir inside dataDir, or ""

	mu       sync.Mutex
	closed   bool
	torrents map[metainfo.Hash]*entry
	released map[metainfo.Hash]bool // idle torrents to re-add from their saved metainfo
	closers  []func() error         // storages of seeded paths

	hints hints
	pace  *pacer

	// active holds the torrents guard watches: those that had a reader
	// since guard last found them idle. Its own lock, not mu: guard must
	// run while anything holds mu.
	activeMu sync.Mutex
	active   map[*entry]struct{}

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// writerWake is how long a connection's writer may sleep with nothing to
// send. anacrolix v1.59.1's writer can miss the wake-up that asks it for new
// requests (it checks for work, then starts listening for wake-ups), and
// then sleeps until its keep-alive timer: a minute, by default, of a reader
// waiting on a piece nobody requests. A short timer bounds that; the cost is
// a 4-byte keep-alive on an idle connection five times a second.
const writerWake = 200 * time.Millisecond

// NewEngine starts an engine listening on cfg.ListenAddr.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.DataDir == "" {
		return nil, hypertube.Errorf(hypertube.EINVALID, "the torrent engine needs a download folder")
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("torrent: data dir: %w", err)
	}
	stateDir := cfg.StateDir
	if stateDir == "" {
		stateDir = filepath.Join(dataDir, ".state")
	}
	if stateDir, err = filepath.Abs(stateDir); err != nil {
		return nil, fmt.Errorf("torrent: state dir: %w", err)
	}
	for _, dir := range []string{dataDir, stateDir, filepath.Join(stateDir, "torrents")} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("torrent: %w", err)
		}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	e := &Engine{
		cfg:      cfg,
		log:      logger,
		dataDir:  dataDir,
		stateDir: stateDir,
		reserved: reservedName(dataDir, stateDir),
		torrents: make(map[metainfo.Hash]*entry),
		released: make(map[metainfo.Hash]bool),
		done:     make(chan struct{}),
	}

	// The bolt store survives restarts, so verified pieces are never fetched
	// twice; it must not be the cgo sqlite one.
	completion, err := storage.NewBoltPieceCompletion(stateDir)
	if err != nil {
		return nil, fmt.Errorf("torrent: piece completion db in %s: %w", stateDir, err)
	}
	quiet := slog.New(minLevel{slog.LevelWarn, logger.Handler()})
	e.storage = storage.NewFileOpts(storage.NewFileClientOpts{
		ClientBaseDir: dataDir,
		FilePathMaker: filePathMaker(e.reserved),
		// Part files would make a restart forget pieces of unfinished files.
		UsePartFiles:    g.Some(false),
		PieceCompletion: &lateCompletion{pc: completion},
		Logger:          quiet,
	})

	cc, err := e.clientConfig(quiet)
	if err != nil {
		e.storage.Close()
		return nil, err
	}
	e.client, err = torrent.NewClient(cc)
	if err != nil {
		e.storage.Close()
		return nil, fmt.Errorf("torrent: starting client on %q: %w", cfg.ListenAddr, err)
	}
	e.wg.Add(2)
	go e.sampleRates()
	go e.guard()
	return e, nil
}

func (e *Engine) clientConfig(logger *slog.Logger) (*torrent.ClientConfig, error) {
	cc := torrent.NewDefaultClientConfig()
	cc.DefaultStorage = e.storage
	e.pace = newPacer()
	e.pace.install(cc)
	cc.DataDir = e.dataDir
	// With the default of 1 MiB, downloads over ~2 MiB stall on loopback.
	cc.MaxAllocPeerRequestDataPerConn = 16 << 20
	cc.KeepAliveTimeout = writerWake
	cc.NoDHT = e.cfg.NoDHT
	cc.DisablePEX = e.cfg.NoPEX
	cc.DisableUTP = e.cfg.NoUTP
	// Seeding is per client in anacrolix; Engine.Seed needs it on, and
	// Config.Seed=false is enforced per torrent once it completes.
	cc.Seed = true
	cc.NoDefaultPortForwarding = !e.cfg.PortForwarding
	cc.DisableWebtorrent = true
	// anacrolix's own logger is pointed at this one when left zero.
	cc.Slogger = logger
	if e.cfg.UploadRate > 0 {
		cc.UploadRateLimiter = rate.NewLimiter(rate.Limit(e.cfg.UploadRate), max(int(e.cfg.UploadRate), 1<<20))
	}
	if e.cfg.DownloadRate > 0 {
		// Burst must exceed the largest single read from a peer (a 16 KiB chunk plus framing).
		cc.DownloadRateLimiter = rate.NewLimiter(rate.Limit(e.cfg.DownloadRate), max(int(e.cfg.DownloadRate), 64<<10))
	}
	addr := e.cfg.ListenAddr
	if addr == "" {
		addr = ":0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "the listen address %q is not host:port", addr)
	}
	p, err := net.LookupPort("tcp", port)
	if err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "the listen port %q is not a number", port)
	}
	cc.ListenHost = func(string) string { return host }
	cc.ListenPort = p
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		cc.DisableIPv6 = true
	}
	return cc, nil
}

// ListenAddr is the engine's actual TCP address, nil once closed.
func (e *Engine) ListenAddr() net.Addr {
	for _, a := range e.client.ListenAddrs() {
		if a.Network() == "tcp" {
			return a
		}
	}
	return nil
}

// AddPeers hands the torrent peers to connect to directly, bypassing trackers
// and DHT. Unknown hashes are ignored.
func (e *Engine) AddPeers(infoHash string, addrs ...netip.AddrPort) {
	ent, err := e.entry(infoHash)
	if err != nil {
		return
	}
	peers := make([]torrent.PeerInfo, 0, len(addrs))
	for _, a := range addrs {
		peers = append(peers, torrent.PeerInfo{Addr: a, Source: torrent.PeerSourceDirect, Trusted: true})
	}
	ent.t.AddPeers(peers)
}

// Close stops every torrent and the client; files and state stay on disk.
func (e *Engine) Close() error {
	var errs []error
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		close(e.done)
		errs = append(errs, e.client.Close()...)
		e.wg.Wait()
		errs = append(errs, e.storage.Close())
		e.mu.Lock()
		for _, c := range e.closers {
			errs = append(errs, c())
		}
		e.mu.Unlock()
	})
	return errors.Join(errs...)
}

// minLevel drops records below a level: anacrolix is chatty at info and debug.
type minLevel struct {
	min slog.Level
	slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Handle filters too: anacrolix's log adapter calls Handle without asking
// Enabled. It also drops two kinds of anacrolix noise: errors about cancelled
// reads (every viewer who closes a tab cancels one) and failed msyncs.
func (h minLevel) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.min {
		return nil
	}
	noise := false
	r.Attrs(func(a slog.Attr) bool {
		err, ok := a.Value.Any().(error)
		noise = ok && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
			// mmap storage msyncs unaligned ranges of files that do not start
			// on a page boundary; the data is written all the same.
			(r.Message == "error flushing piece storage" && errors.Is(err, syscall.EINVAL)))
		return !noise
	})
	if noise {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.min, h.Handler.WithAttrs(as)}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.min, h.Handler.WithGroup(name)}
}

// sampleRates records byte counters every second so Status can report recent
// rates, resizes the readers' windows to the new rates and releases idle
// torrents.
func (e *Engine) sampleRates() {
	defer e.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-e.done:
			return
		case now := <-tick.C:
			e.mu.Lock()
			ents := make([]*entry, 0, len(e.torrents))
			for _, ent := range e.torrents {
				ents = append(ents, ent)
			}
			e.mu.Unlock()
			for _, ent := range ents {
				ent.sample(now)
				e.retune(ent, now)
			}
			e.releaseIdle(now)
		}
	}
}
