package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/stream"
	"github.com/hypertube/hypertube/subtitles"
)

// hlsJSPath is where npm puts hls.js under the vendor directory.
const hlsJSPath = "hls.js/dist/hls.min.js"

// hlsJSURL is where the film page's player loads hls.js from.
const hlsJSURL = "/static/vendor/hls.min.js"

// fileRef names one file of one torrent.
type fileRef struct {
	infoHash string
	index    int
}

// filePather is implemented by engines that keep files on disk
// (torrent.Engine); a complete file is then read from disk, not over HTTP.
type filePather interface {
	FilePath(infoHash string, index int) (string, error)
}

// player holds what the film page's player needs: conversions, probes,
// the internal stream tokens ffmpeg reads through, and subtitles.
type player struct {
	manager *media.Manager
	runner  *media.Runner
	// probeRunner runs ffprobe through the media runner's process rules;
	// its "ffmpeg" is ffprobe, whose JSON goes to stdout.
	probeRunner *media.Runner
	hlsJS       string // path of hls.min.js on disk, "" when missing
	subtitles   *subtitles.Cache
	openSubs    *subtitles.OpenSubtitles
	log         *slog.Logger

	mu       sync.Mutex
	tokens   map[string]fileRef
	tokenOf  map[fileRef]string
	probes   map[fileRef]*probeCall
	sessions map[*media.Session]int64 // live sessions by film id
	// openSubsTried remembers when OpenSubtitles was last asked for a
	// film and language that it did not deliver, so that every page load
	// does not spend the daily quota again.
	openSubsTried map[string]time.Time
}

type probeCall struct {
	done  chan struct{}
	probe *media.Probe
	err   error
}

func newPlayer(cfg Config) *player {
	p := &player{
		manager:       cfg.Media,
		subtitles:     &subtitles.Cache{Dir: filepath.Join(cfg.DataDir, "subtitles")},
		openSubs:      cfg.OpenSubtitles,
		log:           cfg.Logger,
		tokens:        map[string]fileRef{},
		tokenOf:       map[fileRef]string{},
		probes:        map[fileRef]*probeCall{},
		sessions:      map[*media.Session]int64{},
		openSubsTried: map[string]time.Time{},
	}
	if p.manager == nil {
		p.manager = &media.Manager{Runner: &media.Runner{Logger: cfg.Logger, MaxJobs: 4}, MaxJobs: 4}
	}
	if p.manager.Runner == nil {
		p.manager.Runner = &media.Runner{Logger: cfg.Logger}
	}
	p.runner = p.manager.Runner
	probe := p.runner.FFprobe
	if probe == "" {
		probe = "ffprobe"
	}
	p.probeRunner = &media.Runner{FFmpeg: probe, Logger: cfg.Logger}
	if cfg.VendorDir != "" {
		js := filepath.Join(cfg.VendorDir, hlsJSPath)
		if _, err := os.Stat(js); err == nil {
			p.hlsJS = js
		} else {
			cfg.Logger.Warn("hls.js is missing: converted films play only in browsers with native HLS; run scripts/deps",
				"path", js)
		}
	} else {
		cfg.Logger.Warn("no vendor directory: converted films play only in browsers with native HLS")
	}
	return p
}

// token returns the unguessable name under which ffmpeg and ffprobe read
// f at /internal/stream/{token}. Tokens live as long as the process: the
// streams they open are the films' public bytes, and only this machine
// may use them.
func (p *player) token(f fileRef) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.tokenOf[f]; ok {
		return t
	}
	b := make([]byte, 16)
	rand.Read(b)
	t := hex.EncodeToString(b)
	p.tokens[t] = f
	p.tokenOf[f] = t
	return t
}

// track counts s as a viewing of film until it ends.
func (p *player) track(s *media.Session, film int64) {
	p.mu.Lock()
	_, known := p.sessions[s]
	p.sessions[s] = film
	p.mu.Unlock()
	if known {
		return
	}
	go func() {
		<-s.Done()
		p.mu.Lock()
		delete(p.sessions, s)
		p.mu.Unlock()
	}()
}

// converting reports whether film has a live conversion.
func (p *player) converting(film int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range p.sessions {
		if id == film {
			return true
		}
	}
	return false
}

// Watching reports whether someone is watching the film through a live
// conversion; the janitor never deletes such a film.
func (s *Server) Watching(movieID int64) bool { return s.h.player.converting(movieID) }

// Close ends every conversion.
func (s *Server) Close() { s.h.player.manager.Close() }

// internalBase is the address ffmpeg reaches this server at: the local
// address of the connection r came in on, as loopback when the server
// listens everywhere or on loopback.
func internalBase(r *http.Request) (string, error) {
	addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return "", errors.New("web: the request has no local address")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// input is where ffmpeg and ffprobe read the film: its file on disk once
// the torrent is complete, else this server's internal stream, whose
// Range requests go through the torrent reader so that the pieces around
// ffmpeg's position come first. A pipe from the torrent reader could not
// seek, which MP4s with their index at the end and every restart at a seek
// point need.
func (h *handler) input(r *http.Request, f fileRef) (string, error) {
	if fp, ok := h.engine.(filePather); ok {
		if st, err := h.engine.Status(f.infoHash); err == nil && st.Complete {
			if p, err := fp.FilePath(f.infoHash, f.index); err == nil {
				if _, err := os.Stat(p); err == nil {
					return p, nil
				}
			}
		}
	}
	base, err := internalBase(r)
	if err != nil {
		return "", err
	}
	return base + "/internal/stream/" + h.player.token(f), nil
}

// fromThisMachine accepts requests from loopback or from the server's own
// address, which is where ffmpeg connects from.
func fromThisMachine(r *http.Request) bool {
	remote, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(remote)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if local, _, err := net.SplitHostPort(addr.String()); err == nil {
			return net.ParseIP(local).Equal(ip)
		}
	}
	return false
}

// handleInternalStream serves a film's bytes to ffmpeg and ffprobe, which
// carry no cookie: the token in the URL stands for the session, and only
// this machine may use it.
func (h *handler) handleInternalStream(w http.ResponseWriter, r *http.Request) {
	h.player.mu.Lock()
	f, ok := h.player.tokens[r.PathValue("token")]
	h.player.mu.Unlock()
	if !ok || !fromThisMachine(r) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	info, err := h.engine.Info(r.Context(), f.infoHash)
	if err != nil || f.index >= len(info.Files) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	file := info.Files[f.index]
	// How fast ffmpeg gets the film is what a converted stream's start
	// waits on; the debug log shows each request's range and rate.
	cw := &countingWriter{ResponseWriter: w}
	start := time.Now()
	defer func() {
		elapsed := time.Since(start)
		h.log.Debug("internal stream served", "infohash", f.infoHash, "index", f.index,
			"range", r.Header.Get("Range"), "bytes", cw.n, "elapsed", elapsed.Round(time.Millisecond),
			"MBps", float64(cw.n)/1e6/max(elapsed.Seconds(), 1e-3))
	}()
	w = cw
	stream.Serve(w, r, stream.Content{
		Name:        path.Base(file.Path),
		ContentType: videoContentType(file.Path),
		Size:        file.Length,
		ETag:        `"` + f.infoHash + "-" + strconv.Itoa(f.index) + `"`,
		Open: func(ctx context.Context, offset int64) (io.ReadCloser, error) {
			return h.openAt(ctx, f, offset)
		},
		FirstByteTimeout: h.firstByteTimeout,
	})
}

// countingWriter counts the body bytes written through it.
type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// openAt opens a reader over f positioned at offset.
func (h *handler) openAt(ctx context.Context, f fileRef, offset int64) (hypertube.TorrentReader, error) {
	rd, err := h.engine.OpenFile(ctx, f.infoHash, f.index)
	if err != nil {
		return nil, err
	}
	if offset > 0 {
		if _, err := rd.Seek(offset, io.SeekStart); err != nil {
			rd.Close()
			return nil, err
		}
	}
	return rd, nil
}

// probe describes f, once per file: ffprobe reads what it needs through
// the torrent reader, the head and, for MP4s with the index at the end,
// the tail.
func (h *handler) probe(ctx context.Context, r *http.Request, f fileRef) (*media.Probe, error) {
	p := h.player
	p.mu.Lock()
	c, ok := p.probes[f]
	if !ok {
		c = &probeCall{done: make(chan struct{})}
		p.probes[f] = c
	}
	p.mu.Unlock()
	if ok {
		select {
		case <-c.done:
			if c.err != nil && ctx.Err() == nil {
				// The probe we waited for failed, perhaps only because its
				// viewer left: probe again for this one.
				return h.probe(ctx, r, f)
			}
			return c.probe, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c.probe, c.err = h.runProbe(ctx, r, f)
	if c.err != nil {
		// A failure may be the swarm's, not the file's: the next viewer
		// tries again.
		p.mu.Lock()
		delete(p.probes, f)
		p.mu.Unlock()
	}
	close(c.done)
	return c.probe, c.err
}

func (h *handler) runProbe(ctx context.Context, r *http.Request, f fileRef) (*media.Probe, error) {
	in, err := h.input(r, f)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in, "http://") {
		return h.player.runner.Probe(ctx, in)
	}
	out, err := h.player.probeRunner.Run(ctx, "probe "+f.infoHash,
		media.ProbeArgs(in))
	if err != nil {
		if ctx.Err() != nil {
			return nil, keyError(hypertube.ETIMEOUT, "player.probeTimeout")
		}
		return nil, errors.Join(keyError(hypertube.EINVALID, "player.unreadable"), err)
	}
	return media.ParseProbe(out)
}

// writeJSON answers v as JSON that no one caches.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// failJSON answers err as {"error": message} for the player's script.
func (h *handler) failJSON(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(hypertube.ErrorCode(err))
	message := h.message(r, err)
	if status == http.StatusInternalServerError {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		message = h.t(r, "error.internal")
	} else {
		h.log.Info("player request refused", "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
		// Busy or no peers yet: a state the page shows and retries, not a
		// failed request (which the browser would log as a console error).
		writeJSON(w, http.StatusOK, map[string]any{"error": message, "retry": playRetrySeconds})
		return
	}
	writeJSON(w, status, map[string]string{"error": message})
}

// playRetrySeconds is how long the page waits before asking /play again
// after a busy or peerless answer.
const playRetrySeconds = 10

// handleVendorHLS serves hls.js from the vendor directory.
func (h *handler) handleVendorHLS(w http.ResponseWriter, r *http.Request) {
	if h.player.hlsJS == "" {
		http.Error(w, "hls.js is not installed on this server", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeFile(w, r, h.player.hlsJS)
}
