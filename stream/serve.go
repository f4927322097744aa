// Package stream serves a film's bytes over HTTP with RFC 9110 range and
// conditional-request semantics, read from a torrent while it downloads.
//
// It exists instead of http.ServeContent because a torrent reader blocks until
// peers deliver: Serve writes no header until the first requested byte is in
// hand (so a stall becomes a 504 a person can read, not a hung player), ties
// the reader to the request so it is released when the viewer leaves, and
// never reads a byte to guess the Content-Type.
package stream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
)

// Content is one file to serve.
type Content struct {
	// Name is the file name; its extension gives the Content-Type unless
	// ContentType is set.
	Name        string
	ContentType string
	Size        int64
	// ModTime gives Last-Modified and the date forms of the conditional
	// headers; zero omits them.
	ModTime time.Time
	// ETag is a strong, quoted entity tag; empty derives one from Name, Size
	// and ModTime.
	ETag string
	// Open returns a reader positioned at offset. It must honour ctx: reads
	// fail once ctx ends. Serve never calls Close while a Read is running,
	// since torrent readers are not safe for that.
	Open func(ctx context.Context, offset int64) (io.ReadCloser, error)
	// FirstByteTimeout bounds the wait for the first requested byte; 0 means
	// 30 seconds.
	FirstByteTimeout time.Duration
}

const (
	defaultFirstByteTimeout = 30 * time.Second
	bufferSize              = 256 << 10
	// maxRanges bounds a multipart answer: players ask for one range, and
	// many tiny ranges only serve to make the server seek a torrent around.
	maxRanges = 16
	// writeStall is how long one write may wait on a client that stopped
	// reading. A film takes hours to watch, so a server-wide WriteTimeout
	// must not end it; instead each write gets its own deadline, which also
	// frees the torrent reader of a client that vanished without a FIN.
	writeStall = time.Minute
)

var bufferPool = sync.Pool{New: func() any { b := make([]byte, bufferSize); return &b }}

// Serve answers a GET or HEAD for c, honouring Range, If-Range, If-Match,
// If-None-Match, If-Modified-Since and If-Unmodified-Since.
func Serve(w http.ResponseWriter, r *http.Request, c Content) {
	h := w.Header()
	h.Set("Accept-Ranges", "bytes")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeText(w, http.StatusMethodNotAllowed, "Only GET and HEAD can fetch a film.")
		return
	}
	if c.Size < 0 || c.Open == nil {
		slog.ErrorContext(r.Context(), "stream: invalid content", "name", c.Name, "size", c.Size, "open", c.Open != nil)
		writeError(w, hypertube.Errorf(hypertube.EINTERNAL, "Something went wrong on our side."))
		return
	}

	modTime := c.ModTime.UTC().Truncate(time.Second)
	etag := c.etag()
	h.Set("ETag", etag)
	if !modTime.IsZero() {
		h.Set("Last-Modified", modTime.Format(http.TimeFormat))
	}
	// Revalidate every time: the URL names a film, and the film's file can
	// be replaced (another torrent, a better release) while its URL stays;
	// revalidation is cheap, a 304 that never touches the torrent. Private
	// because films are served to signed-in users only.
	h.Set("Cache-Control", "private, no-cache")

	switch checkPreconditions(r, etag, modTime) {
	case preconditionFailed:
		writeText(w, http.StatusPreconditionFailed, "The film has changed since your player last saw it; reload the page.")
		return
	case notModified:
		w.WriteHeader(http.StatusNotModified)
		return
	}

	rangeHeader := r.Header.Get("Range")
	if !ifRangeHolds(r, etag, modTime) {
		rangeHeader = ""
	}
	ranges, err := ParseRange(rangeHeader, c.Size)
	if err != nil {
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", c.Size))
		writeText(w, http.StatusRequestedRangeNotSatisfiable, hypertube.ErrorMessage(err))
		return
	}
	if len(ranges) > maxRanges || exceedsSize(ranges, c.Size) {
		ranges = nil // not worth a multipart answer: send the file once
	}

	resp := newResponse(coalesce(ranges), c.Size, c.contentType())
	if r.Method == http.MethodHead {
		resp.writeHeader(w)
		return
	}
	resp.send(w, r, c)
}

// exceedsSize reports whether the ranges add up to more than the file, which
// only a client asking for the same bytes over and over would do.
func exceedsSize(ranges []hypertube.ByteRange, size int64) bool {
	var sum int64
	for _, r := range ranges {
		if r.End-r.Start > size-sum { // subtract: adding could overflow
			return true
		}
		sum += r.End - r.Start
	}
	return false
}

func (c *Content) etag() string {
	if c.ETag != "" {
		if tag, rest, ok := scanETag(c.ETag); ok && rest == "" {
			return tag
		}
		return `"` + strings.Map(keepETagChar, c.ETag) + `"`
	}
	var mod string
	if !c.ModTime.IsZero() {
		mod = c.ModTime.UTC().Format(time.RFC3339Nano)
	}
	sum := sha256.Sum256([]byte(c.Name + "\x00" + strconv.FormatInt(c.Size, 10) + "\x00" + mod))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

func keepETagChar(r rune) rune {
	if r == '"' || r < 0x21 || r == 0x7f {
		return -1
	}
	return r
}

// Types by extension, fixed here rather than read from the system's
// mime.types, which differs between machines and lacks some of these.
var typesByExt = map[string]string{
	".mp4":  "video/mp4",
	".m4v":  "video/mp4", // an MP4 by another name; browsers play video/mp4
	".mkv":  "video/x-matroska",
	".webm": "video/webm",
	".avi":  "video/x-msvideo",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
	".vtt":  "text/vtt; charset=utf-8",
}

func (c *Content) contentType() string {
	if c.ContentType != "" {
		return c.ContentType
	}
	if t, ok := typesByExt[strings.ToLower(path.Ext(c.Name))]; ok {
		return t
	}
	return "application/octet-stream"
}

// writeText sends a short plain-text answer a person can read.
func writeText(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(msg)+1))
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// writeError answers with err's status and message. The validators go: they
// describe the film, and this answer is not the film.
func writeError(w http.ResponseWriter, err error) {
	h := w.Header()
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "no-store")
	status := errorStatus(err)
	if status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
		h.Set("Retry-After", "30")
	}
	writeText(w, status, hypertube.ErrorMessage(err))
}

func errorStatus(err error) int { return hypertube.StatusCode(hypertube.ErrorCode(err)) }

var errNoPeers = hypertube.Errorf(hypertube.ETIMEOUT,
	"No peers are sending this film yet. It may be rare or still starting; please try again in a minute.")

// firstChunk is what openFirst's worker hands back.
type firstChunk struct {
	body io.ReadCloser
	buf  *[]byte
	n    int
	err  error
}

// openFirst opens the reader at offset and reads its first bytes (at most
// want), giving up after timeout. The work runs aside so that even a reader
// that ignores ctx cannot hold the answer past the deadline; an abandoned
// reader is closed once its read returns.
func openFirst(ctx context.Context, cancel context.CancelCauseFunc, c *Content, offset int64, want int, timeout time.Duration) firstChunk {
	done := make(chan firstChunk, 1)
	go func() {
		res := firstChunk{buf: bufferPool.Get().(*[]byte)}
		// A panic here would take the whole server down, not just this
		// request as it does in the handler's own goroutine.
		defer func() {
			if p := recover(); p != nil {
				slog.ErrorContext(ctx, "stream: reader panicked", "name", c.Name, "panic", p, "stack", string(debug.Stack()))
				res.err = fmt.Errorf("reader panicked: %v", p)
				done <- res
			}
		}()
		res.body, res.err = c.Open(ctx, offset)
		if res.err == nil {
			res.n, res.err = io.ReadAtLeast(res.body, (*res.buf)[:want], 1)
			if res.n > 0 {
				res.err = nil // a trailing EOF shows up again on the next read
			}
		}
		done <- res
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case res := <-done:
		if res.err != nil {
			res.release()
		}
		return res
	case <-timer.C:
		cancel(errNoPeers)
	case <-ctx.Done():
	}
	go func() {
		res := <-done
		res.release()
	}()
	return firstChunk{err: context.Cause(ctx)}
}

func (f *firstChunk) release() {
	if f.body != nil {
		f.body.Close()
		f.body = nil
	}
	if f.buf != nil {
		bufferPool.Put(f.buf)
		f.buf = nil
	}
}

// logReadError records why a body stopped short; the client only sees the
// connection close, as HTTP has no way to report an error mid-body.
func logReadError(r *http.Request, c *Content, offset int64, err error) {
	if r.Context().Err() != nil {
		slog.DebugContext(r.Context(), "stream: client went away", "name", c.Name, "offset", offset)
		return
	}
	slog.WarnContext(r.Context(), "stream: body cut short", "name", c.Name, "offset", offset, "err", err)
}

var errShort = errors.New("file ended before its declared size")
