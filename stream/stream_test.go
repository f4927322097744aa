package stream_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypertube/hypertube/stream"
)

func TestServeMultipart(t *testing.T) {
	c := filmContent(film)
	addr := startServer(t, c)
	// Out of order and overlapping: the answer is sorted and merged.
	resp, body := rawRequest(t, addr, "GET", "Range: bytes=990-,20-29,0-9,25-34")
	if resp.StatusCode != 206 {
		t.Fatalf("status %d, want 206", resp.StatusCode)
	}
	if resp.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
	}
	mediaType, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/byteranges" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q (%v), want multipart/byteranges with a boundary", resp.Header.Get("Content-Type"), err)
	}
	want := []struct {
		contentRange string
		body         []byte
	}{
		{"bytes 0-9/1000", film[0:10]},
		{"bytes 20-34/1000", film[20:35]},
		{"bytes 990-999/1000", film[990:]},
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for i, w := range want {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if got := p.Header.Get("Content-Range"); got != w.contentRange {
			t.Errorf("part %d: Content-Range %q, want %q", i, got, w.contentRange)
		}
		if got := p.Header.Get("Content-Type"); got != "video/mp4" {
			t.Errorf("part %d: Content-Type %q, want video/mp4", i, got)
		}
		got, err := io.ReadAll(p)
		if err != nil || !bytes.Equal(got, w.body) {
			t.Errorf("part %d: body %q (%v), want %q", i, got, err, w.body)
		}
	}
	if p, err := mr.NextPart(); err != io.EOF {
		t.Errorf("after the last part: %v, %v; want io.EOF", p, err)
	}

	head, _ := rawRequest(t, addr, "HEAD", "Range: bytes=990-,20-29,0-9,25-34")
	if head.ContentLength != resp.ContentLength {
		t.Errorf("HEAD Content-Length %d, GET sent %d", head.ContentLength, resp.ContentLength)
	}
}

func TestServeHeadDoesNotOpen(t *testing.T) {
	c := filmContent(film)
	var opens atomic.Int32
	c.Open = func(context.Context, int64) (io.ReadCloser, error) {
		opens.Add(1)
		return nil, fmt.Errorf("HEAD must not open the film")
	}
	addr := startServer(t, c)
	for _, tt := range []struct {
		rangeHeader string
		status      int
		length      int64
	}{
		{"", 200, 1000},
		{"bytes=100-199", 206, 100},
		{"bytes=-1", 206, 1},
		{"bytes=0-0,5-5", 206, -1},
	} {
		var header []string
		if tt.rangeHeader != "" {
			header = append(header, "Range: "+tt.rangeHeader)
		}
		resp, body := rawRequest(t, addr, "HEAD", header...)
		if resp.StatusCode != tt.status || len(body) != 0 {
			t.Errorf("HEAD %q: status %d with %d body bytes, want %d and none", tt.rangeHeader, resp.StatusCode, len(body), tt.status)
		}
		if tt.length >= 0 && resp.ContentLength != tt.length {
			t.Errorf("HEAD %q: Content-Length %d, want %d", tt.rangeHeader, resp.ContentLength, tt.length)
		}
	}
	if n := opens.Load(); n != 0 {
		t.Errorf("HEAD opened the film %d times", n)
	}
}

// blockingReader gives its bytes, then blocks until its context ends, like
// a torrent reader waiting on pieces no peer sends.
type blockingReader struct {
	ctx    context.Context
	data   []byte
	closed chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if len(b.data) > 0 {
		n := copy(p, b.data)
		b.data = b.data[n:]
		return n, nil
	}
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}

func (b *blockingReader) Close() error { close(b.closed); return nil }

func TestServeFirstByteTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		open func(ctx context.Context, closed chan struct{}) (io.ReadCloser, error)
	}{
		{"read blocks", func(ctx context.Context, closed chan struct{}) (io.ReadCloser, error) {
			return &blockingReader{ctx: ctx, closed: closed}, nil
		}},
		{"open blocks", func(ctx context.Context, closed chan struct{}) (io.ReadCloser, error) {
			<-ctx.Done()
			close(closed)
			return nil, ctx.Err()
		}},
		// Even a reader that ignores its context must not hold the answer.
		{"reader ignores context", func(ctx context.Context, closed chan struct{}) (io.ReadCloser, error) {
			return &blockingReader{ctx: context.Background(), closed: closed}, nil
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan struct{})
			c := filmContent(film)
			c.FirstByteTimeout = 100 * time.Millisecond
			c.Open = func(ctx context.Context, _ int64) (io.ReadCloser, error) { return tt.open(ctx, closed) }
			resp, body := rawRequest(t, startServer(t, c), "GET", "Range: bytes=10-")

			if resp.StatusCode != http.StatusGatewayTimeout {
				t.Fatalf("status %d, want 504; body %q", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(string(body), "No peers are sending this film yet") {
				t.Errorf("body %q does not explain the wait", body)
			}
			for _, h := range []string{"ETag", "Content-Range", "Last-Modified"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("%s %q sent with a 504", h, v)
				}
			}
			if tt.name == "reader ignores context" {
				return // it never returns, so it can never be closed
			}
			select {
			case <-closed:
			case <-time.After(5 * time.Second):
				t.Error("the timed-out reader was never released")
			}
		})
	}
}

func TestServeClientDisconnect(t *testing.T) {
	const sent = 64 << 10
	data := makeFilm(sent)
	closed := make(chan struct{})
	handlerDone := make(chan struct{})
	c := stream.Content{
		Name: "film.mkv",
		Size: 10 << 20,
		Open: func(ctx context.Context, _ int64) (io.ReadCloser, error) {
			return &blockingReader{ctx: ctx, data: data, closed: closed}, nil
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		stream.Serve(w, r, c)
	}))
	// Close waits for handlers: only call it once ours has returned, so that
	// a regression fails this test instead of hanging the package.
	defer func() {
		select {
		case <-handlerDone:
			srv.Close()
		default:
		}
	}()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /film HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ContentLength != 10<<20 {
		t.Fatalf("status %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	got := make([]byte, sent)
	if _, err := io.ReadFull(resp.Body, got); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("first %d bytes: %v, equal %v", sent, err, bytes.Equal(got, data))
	}
	conn.Close()

	for what, ch := range map[string]chan struct{}{"reader closed": closed, "handler returned": handlerDone} {
		select {
		case <-ch:
		case <-time.After(2 * time.Second):
			t.Errorf("%s: not within 2 s of the client leaving", what)
		}
	}
}

// slowReader hands out its bytes one chunk per pause.
type slowReader struct {
	ctx   context.Context
	data  []byte
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	select {
	case <-time.After(s.pause):
	case <-s.ctx.Done():
		return 0, s.ctx.Err()
	}
	n := copy(p, s.data[:min(len(s.data), 1000)])
	s.data = s.data[n:]
	return n, nil
}

func (s *slowReader) Close() error { return nil }

// A film plays for longer than any sensible server WriteTimeout; the stream
// must outlive it as long as bytes keep flowing.
func TestServeOutlivesServerWriteTimeout(t *testing.T) {
	data := makeFilm(4000)
	c := filmContent(data)
	c.Open = func(ctx context.Context, offset int64) (io.ReadCloser, error) {
		return &slowReader{ctx: ctx, data: data[offset:], pause: 150 * time.Millisecond}, nil
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stream.Serve(w, r, c)
	}))
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()

	resp, body := rawRequest(t, srv.Listener.Addr().String(), "GET")
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Fatalf("status %d, %d of %d bytes", resp.StatusCode, len(body), len(data))
	}
}

func TestServeDerivedETag(t *testing.T) {
	etagOf := func(c stream.Content) string {
		c.ETag = ""
		resp, _ := rawRequest(t, startServer(t, c), "HEAD")
		return resp.Header.Get("ETag")
	}
	base := filmContent(film)
	tag := etagOf(base)
	if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(tag) {
		t.Fatalf("derived ETag %q is not a strong quoted tag", tag)
	}
	if again := etagOf(base); again != tag {
		t.Errorf("ETag changed between requests: %q, %q", tag, again)
	}
	for name, change := range map[string]func(*stream.Content){
		"name":    func(c *stream.Content) { c.Name = "other.mp4" },
		"size":    func(c *stream.Content) { c.Size = 999 },
		"modtime": func(c *stream.Content) { c.ModTime = c.ModTime.Add(time.Nanosecond) },
	} {
		c := base
		change(&c)
		if other := etagOf(c); other == tag {
			t.Errorf("changing %s kept ETag %q", name, tag)
		}
	}

	c := base
	c.ETag = ""
	addr := startServer(t, c)
	if resp, _ := rawRequest(t, addr, "GET", "If-None-Match: "+tag); resp.StatusCode != 304 {
		t.Errorf("If-None-Match with the derived ETag: status %d, want 304", resp.StatusCode)
	}
	resp, body := rawRequest(t, addr, "GET", "Range: bytes=0-1", "If-Range: "+tag)
	if resp.StatusCode != 206 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) || !bytes.Equal(body, film[:2]) {
		t.Errorf("If-Range with the derived ETag: status %d, body %q", resp.StatusCode, body)
	}
}
