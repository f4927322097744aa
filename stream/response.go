package stream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"time"

	"github.com/hypertube/hypertube"
)

// response is a planned answer: its status, headers and the byte ranges of
// its body. Planning it whole first lets HEAD and GET share every header,
// Content-Length included, without opening the film for a HEAD.
type response struct {
	status int
	header map[string]string
	parts  []part
	suffix []byte // closing multipart boundary
	length int64
}

type part struct {
	hypertube.ByteRange
	prefix []byte // multipart boundary and part headers
}

func newResponse(ranges []hypertube.ByteRange, size int64, contentType string) *response {
	resp := &response{header: map[string]string{"Content-Type": contentType}}
	switch len(ranges) {
	case 0:
		resp.status = http.StatusOK
		resp.parts = []part{{ByteRange: hypertube.ByteRange{Start: 0, End: size}}}
	case 1:
		resp.status = http.StatusPartialContent
		resp.header["Content-Range"] = contentRange(ranges[0], size)
		resp.parts = []part{{ByteRange: ranges[0]}}
	default:
		resp.status = http.StatusPartialContent
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, r := range ranges {
			// Writing to a bytes.Buffer cannot fail.
			mw.CreatePart(textproto.MIMEHeader{
				"Content-Type":  {contentType},
				"Content-Range": {contentRange(r, size)},
			})
			resp.parts = append(resp.parts, part{ByteRange: r, prefix: bytes.Clone(buf.Bytes())})
			buf.Reset()
		}
		mw.Close()
		resp.suffix = buf.Bytes()
		resp.header["Content-Type"] = "multipart/byteranges; boundary=" + mw.Boundary()
	}
	for _, p := range resp.parts {
		resp.length += int64(len(p.prefix)) + p.End - p.Start
	}
	resp.length += int64(len(resp.suffix))
	return resp
}

func contentRange(r hypertube.ByteRange, size int64) string {
	return fmt.Sprintf("bytes %d-%d/%d", r.Start, r.End-1, size)
}

func (resp *response) writeHeader(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range resp.header {
		h.Set(k, v)
	}
	h.Set("Content-Length", strconv.FormatInt(resp.length, 10))
	w.WriteHeader(resp.status)
}

// send writes the headers once the first byte is in hand, then the body.
func (resp *response) send(w http.ResponseWriter, r *http.Request, c Content) {
	if resp.length == 0 {
		resp.writeHeader(w)
		return
	}
	// Every reader lives under this context, so it ends with the request:
	// the server cancels it the moment the client hangs up.
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)

	timeout := c.FirstByteTimeout
	if timeout <= 0 {
		timeout = defaultFirstByteTimeout
	}
	p := resp.parts[0]
	first := openFirst(ctx, cancel, &c, p.Start, int(min(bufferSize, p.End-p.Start)), timeout)
	if first.err != nil {
		if r.Context().Err() != nil {
			slog.DebugContext(r.Context(), "stream: client left before the first byte", "name", c.Name)
			return
		}
		err := first.err
		if errors.Is(err, io.EOF) {
			err = errShort
		}
		if hypertube.ErrorCode(err) == hypertube.EINTERNAL {
			slog.ErrorContext(r.Context(), "stream: open failed", "name", c.Name, "offset", p.Start, "err", err)
		}
		writeError(w, err)
		return
	}
	defer first.release()

	rc := http.NewResponseController(w)
	// The next request on this connection must not inherit our deadline
	// when the server sets none of its own.
	defer rc.SetWriteDeadline(time.Time{})
	out := &flushWriter{w: w, rc: rc}

	resp.writeHeader(w)
	buf := *first.buf
	if _, err := out.Write(p.prefix); err != nil {
		return
	}
	if _, err := out.Write(buf[:first.n]); err != nil {
		return
	}
	err := copyN(out, first.body, p.End-p.Start-int64(first.n), buf)
	first.body.Close()
	first.body = nil
	if err != nil {
		logReadError(r, &c, p.Start, err)
		return
	}

	for _, p := range resp.parts[1:] {
		if _, err := out.Write(p.prefix); err != nil {
			return
		}
		body, err := c.Open(ctx, p.Start)
		if err == nil {
			err = copyN(out, body, p.End-p.Start, buf)
			body.Close()
		}
		if err != nil {
			logReadError(r, &c, p.Start, err)
			return
		}
	}
	out.Write(resp.suffix)
}

// flushWriter pushes every chunk to the client at once, since a player
// waits on them, and gives each write its own deadline (see writeStall).
type flushWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (f *flushWriter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	// Not every ResponseWriter supports deadlines; then the server's own
	// timeouts are all there is.
	f.rc.SetWriteDeadline(time.Now().Add(writeStall))
	n, err := f.w.Write(b)
	if err != nil {
		return n, err
	}
	if err := f.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return n, err
	}
	return n, nil
}

// copyN copies exactly n bytes from src to dst through buf: a short source
// is an error, as the client was promised Content-Length bytes.
func copyN(dst io.Writer, src io.Reader, n int64, buf []byte) error {
	idle := 0
	for n > 0 {
		k, err := src.Read(buf[:min(int64(len(buf)), n)])
		if k > 0 {
			idle = 0
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return werr
			}
			n -= int64(k)
		} else if idle++; idle > 100 {
			return io.ErrNoProgress
		}
		if err != nil {
			if n == 0 {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return errShort
			}
			return err
		}
	}
	return nil
}
