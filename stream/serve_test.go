package stream_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/stream"
)

var (
	film         = makeFilm(1000)
	modTime      = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	lastModified = "Wed, 01 May 2024 12:00:00 GMT"
)

// makeFilm returns n bytes in which no short run repeats, so a body from the
// wrong offset cannot pass for the right one.
func makeFilm(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/251)
	}
	return b
}

// filmContent serves data from memory.
func filmContent(data []byte) stream.Content {
	return stream.Content{
		Name:    "film.mp4",
		Size:    int64(len(data)),
		ModTime: modTime,
		ETag:    `"v1"`,
		Open: func(ctx context.Context, offset int64) (io.ReadCloser, error) {
			r := bytes.NewReader(data)
			_, err := r.Seek(offset, io.SeekStart)
			return io.NopCloser(r), err
		},
	}
}

// startServer serves c on a real loopback server and returns its address.
func startServer(t *testing.T, c stream.Content) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stream.Serve(w, r, c)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// rawRequest writes the request by hand, so that nothing between the test
// and the server adds, drops or reinterprets a header, and reads exactly the
// body the server declared.
func rawRequest(t *testing.T, addr, method string, header ...string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	req := fmt.Sprintf("%s /film HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, addr)
	for _, h := range header {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, body
}

const absent = "<absent>"

func TestServe(t *testing.T) {
	malformed := "The Range header is malformed"
	okHeader := map[string]string{
		"Content-Type": "video/mp4", "Content-Length": "1000", "Accept-Ranges": "bytes",
		"ETag": `"v1"`, "Last-Modified": lastModified, "Cache-Control": "private, no-cache",
		"X-Content-Type-Options": "nosniff", "Content-Range": absent,
	}
	partial := func(first, last int) map[string]string {
		return map[string]string{
			"Content-Type": "video/mp4", "Content-Range": fmt.Sprintf("bytes %d-%d/1000", first, last),
			"Content-Length": fmt.Sprint(last - first + 1), "Accept-Ranges": "bytes", "ETag": `"v1"`,
		}
	}
	unsatisfiable := map[string]string{
		"Content-Range": "bytes */1000", "Content-Type": "text/plain; charset=utf-8", "Accept-Ranges": "bytes",
	}
	notModified := map[string]string{
		"ETag": `"v1"`, "Last-Modified": lastModified, "Content-Type": absent, "Content-Length": absent,
	}
	name := func(n string) func(*stream.Content) { return func(c *stream.Content) { c.Name = n } }
	openFails := func(err error) func(*stream.Content) {
		return func(c *stream.Content) {
			c.Open = func(context.Context, int64) (io.ReadCloser, error) { return nil, err }
		}
	}
	failing := map[string]string{"Content-Type": "text/plain; charset=utf-8", "ETag": absent, "Last-Modified": absent}
	isMultipart := func(t *testing.T, resp *http.Response, body []byte) {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/byteranges; boundary=") {
			t.Errorf("Content-Type %q, want multipart/byteranges", ct)
		}
		for _, want := range []string{
			"Content-Range: bytes 0-0/1000\r\nContent-Type: video/mp4\r\n\r\n" + string(film[0:1]) + "\r\n",
			"Content-Range: bytes 2-3/1000\r\nContent-Type: video/mp4\r\n\r\n" + string(film[2:4]) + "\r\n",
		} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("body lacks %q:\n%q", want, body)
			}
		}
	}

	tests := []struct {
		name    string
		method  string // GET when empty
		header  []string
		content func(*stream.Content)
		status  int
		want    map[string]string // exact header values; absent: must not be sent
		body    []byte            // exact body, when not nil
		bodyHas string
		opens   int32 // readers Serve must open
		check   func(*testing.T, *http.Response, []byte)
	}{
		{name: "whole film", status: 200, want: okHeader, body: film, opens: 1},
		{name: "HEAD whole film", method: "HEAD", status: 200, want: okHeader, body: []byte{}},
		{name: "POST refused", method: "POST", status: 405, want: map[string]string{"Allow": "GET, HEAD"}, bodyHas: "GET and HEAD"},
		{name: "DELETE refused", method: "DELETE", status: 405, want: map[string]string{"Allow": "GET, HEAD"}},
		{name: "first-last", header: []string{"Range: bytes=0-99"}, status: 206, want: partial(0, 99), body: film[:100], opens: 1},
		{name: "open-ended", header: []string{"Range: bytes=900-"}, status: 206, want: partial(900, 999), body: film[900:], opens: 1},
		{name: "suffix", header: []string{"Range: bytes=-100"}, status: 206, want: partial(900, 999), body: film[900:], opens: 1},
		{name: "suffix longer than film", header: []string{"Range: bytes=-5000"}, status: 206, want: partial(0, 999), body: film, opens: 1},
		{name: "last clamped", header: []string{"Range: bytes=990-5000"}, status: 206, want: partial(990, 999), body: film[990:], opens: 1},
		{name: "last byte", header: []string{"Range: bytes=999-999"}, status: 206, want: partial(999, 999), body: film[999:], opens: 1},
		{name: "unit case-insensitive", header: []string{"Range: BYTES=10-19"}, status: 206, want: partial(10, 19), body: film[10:20], opens: 1},
		{name: "unsatisfiable ranges skipped", header: []string{"Range: bytes=5000-6000, 0-1"}, status: 206, want: partial(0, 1), body: film[:2], opens: 1},
		{name: "overlapping coalesced", header: []string{"Range: bytes=50-149,0-99"}, status: 206, want: partial(0, 149), body: film[:150], opens: 1},
		{name: "adjacent coalesced", header: []string{"Range: bytes=0-99,100-199"}, status: 206, want: partial(0, 199), body: film[:200], opens: 1},
		{name: "multipart", header: []string{"Range: bytes=0-0, 2-3"}, status: 206, check: isMultipart, opens: 2},
		{name: "ranges adding up to more than the film", header: []string{"Range: bytes=0-999,0-999"}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "too many ranges", header: []string{"Range: bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30,32-32"},
			status: 200, want: okHeader, body: film, opens: 1},
		{name: "start past end", header: []string{"Range: bytes=1000-"}, status: 416, want: unsatisfiable, bodyHas: "beyond the end"},
		{name: "far past end", header: []string{"Range: bytes=5000-6000"}, status: 416, want: unsatisfiable},
		{name: "empty suffix", header: []string{"Range: bytes=-0"}, status: 416, want: unsatisfiable},
		{name: "range of empty file", header: []string{"Range: bytes=0-"}, content: func(c *stream.Content) { c.Size = 0 },
			status: 416, want: map[string]string{"Content-Range": "bytes */0"}},
		{name: "empty file", content: func(c *stream.Content) { c.Size = 0 }, status: 200,
			want: map[string]string{"Content-Length": "0", "Content-Type": "video/mp4"}, body: []byte{}},
		{name: "malformed letters", header: []string{"Range: bytes=abc"}, status: 416, want: unsatisfiable, bodyHas: malformed},
		{name: "malformed backwards", header: []string{"Range: bytes=5-2"}, status: 416, want: unsatisfiable, bodyHas: malformed},
		{name: "malformed double dash", header: []string{"Range: bytes=--1"}, status: 416, want: unsatisfiable, bodyHas: malformed},
		{name: "malformed empty set", header: []string{"Range: bytes="}, status: 416, want: unsatisfiable, bodyHas: malformed},
		{name: "malformed overflow", header: []string{"Range: bytes=99999999999999999999-"}, status: 416, want: unsatisfiable, bodyHas: malformed},
		{name: "malformed overflow last", header: []string{"Range: bytes=0-99999999999999999999"}, status: 416, want: unsatisfiable, bodyHas: malformed},
		{name: "HEAD malformed", method: "HEAD", header: []string{"Range: bytes=x-"}, status: 416, want: unsatisfiable, body: []byte{}},
		{name: "other unit ignored", header: []string{"Range: items=0-5"}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "HEAD range", method: "HEAD", header: []string{"Range: bytes=0-99"}, status: 206, want: partial(0, 99), body: []byte{}},
		{name: "If-Range etag matches", header: []string{"Range: bytes=0-9", `If-Range: "v1"`}, status: 206, want: partial(0, 9), body: film[:10], opens: 1},
		{name: "If-Range etag differs", header: []string{"Range: bytes=0-9", `If-Range: "v0"`}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "If-Range weak etag", header: []string{"Range: bytes=0-9", `If-Range: W/"v1"`}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "If-Range date matches", header: []string{"Range: bytes=0-9", "If-Range: " + lastModified}, status: 206, want: partial(0, 9), body: film[:10], opens: 1},
		{name: "If-Range older date", header: []string{"Range: bytes=0-9", "If-Range: Tue, 30 Apr 2024 12:00:00 GMT"}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "If-Range without Range", header: []string{`If-Range: "v1"`}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "If-None-Match matches", header: []string{`If-None-Match: "v1"`}, status: 304, want: notModified, body: []byte{}},
		{name: "If-None-Match weak matches", header: []string{`If-None-Match: W/"v1"`}, status: 304, want: notModified},
		{name: "If-None-Match in list", header: []string{`If-None-Match: "a,b", "v1"`}, status: 304, want: notModified},
		{name: "If-None-Match star", header: []string{"If-None-Match: *"}, status: 304, want: notModified},
		{name: "If-None-Match differs", header: []string{`If-None-Match: "v0"`}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "HEAD If-None-Match", method: "HEAD", header: []string{`If-None-Match: "v1"`}, status: 304, want: notModified},
		{name: "If-Modified-Since same date", header: []string{"If-Modified-Since: " + lastModified}, status: 304, want: notModified},
		{name: "If-Modified-Since earlier", header: []string{"If-Modified-Since: Tue, 30 Apr 2024 12:00:00 GMT"}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "If-None-Match beats If-Modified-Since", header: []string{`If-None-Match: "v0"`, "If-Modified-Since: " + lastModified},
			status: 200, want: okHeader, body: film, opens: 1},
		{name: "If-Modified-Since without ModTime", header: []string{"If-Modified-Since: " + lastModified},
			content: func(c *stream.Content) { c.ModTime = time.Time{} }, status: 200, want: map[string]string{"Last-Modified": absent}, body: film, opens: 1},
		{name: "If-Match differs", header: []string{`If-Match: "v0"`}, status: 412, want: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
		{name: "If-Match weak", header: []string{`If-Match: W/"v1"`}, status: 412},
		{name: "If-Match matches", header: []string{`If-Match: "v0", "v1"`, "Range: bytes=1-2"}, status: 206, want: partial(1, 2), body: film[1:3], opens: 1},
		{name: "If-Unmodified-Since earlier", header: []string{"If-Unmodified-Since: Tue, 30 Apr 2024 12:00:00 GMT"}, status: 412},
		{name: "If-Unmodified-Since same date", header: []string{"If-Unmodified-Since: " + lastModified}, status: 200, want: okHeader, body: film, opens: 1},
		{name: "mkv", method: "HEAD", content: name("Film.MKV"), status: 200, want: map[string]string{"Content-Type": "video/x-matroska"}},
		{name: "webm", method: "HEAD", content: name("a.webm"), status: 200, want: map[string]string{"Content-Type": "video/webm"}},
		{name: "avi", method: "HEAD", content: name("a.avi"), status: 200, want: map[string]string{"Content-Type": "video/x-msvideo"}},
		{name: "mov", method: "HEAD", content: name("dir/a.mov"), status: 200, want: map[string]string{"Content-Type": "video/quicktime"}},
		{name: "m4v", method: "HEAD", content: name("a.m4v"), status: 200, want: map[string]string{"Content-Type": "video/mp4"}},
		{name: "ogv", method: "HEAD", content: name("a.ogv"), status: 200, want: map[string]string{"Content-Type": "video/ogg"}},
		{name: "vtt", method: "HEAD", content: name("en.vtt"), status: 200, want: map[string]string{"Content-Type": "text/vtt; charset=utf-8"}},
		{name: "unknown extension", method: "HEAD", content: name("a.xyz"), status: 200, want: map[string]string{"Content-Type": "application/octet-stream"}},
		{name: "explicit type", method: "HEAD", content: func(c *stream.Content) { c.ContentType = "video/mp2t" }, status: 200,
			want: map[string]string{"Content-Type": "video/mp2t"}},
		{name: "not found", content: openFails(hypertube.Errorf(hypertube.ENOTFOUND, "This film is not in the library.")),
			status: 404, want: failing, body: []byte("This film is not in the library.\n"), opens: 1},
		{name: "invalid", content: openFails(hypertube.Errorf(hypertube.EINVALID, "Bad file.")), status: 400, want: failing, bodyHas: "Bad file.", opens: 1},
		{name: "unavailable", content: openFails(hypertube.Errorf(hypertube.EUNAVAILABLE, "Too many films at once.")),
			status: 503, want: map[string]string{"Retry-After": "30"}, bodyHas: "Too many films", opens: 1},
		{name: "engine timeout", content: openFails(hypertube.Errorf(hypertube.ETIMEOUT, "Still looking for peers.")), status: 504, bodyHas: "Still looking", opens: 1},
		{name: "internal error hidden", content: openFails(errors.New("disk on fire at /var/x")), status: 500, want: failing,
			body: []byte("Something went wrong on our side.\n"), opens: 1},
		{name: "file shorter than declared", content: func(c *stream.Content) { c.Size = 2000 }, header: []string{"Range: bytes=1500-"},
			status: 500, want: failing, opens: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opens atomic.Int32
			c := filmContent(film)
			if tt.content != nil {
				tt.content(&c)
			}
			open := c.Open
			c.Open = func(ctx context.Context, offset int64) (io.ReadCloser, error) {
				opens.Add(1)
				return open(ctx, offset)
			}
			method := tt.method
			if method == "" {
				method = "GET"
			}
			resp, body := rawRequest(t, startServer(t, c), method, tt.header...)

			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Accept-Ranges"); got != "bytes" {
				t.Errorf("Accept-Ranges %q, want bytes", got)
			}
			for k, want := range tt.want {
				got, sent := resp.Header[k]
				switch {
				case want == absent && sent:
					t.Errorf("%s: %q, want none", k, got)
				case want != absent && resp.Header.Get(k) != want:
					t.Errorf("%s: %q, want %q", k, resp.Header.Get(k), want)
				}
			}
			if tt.body != nil && !bytes.Equal(body, tt.body) {
				t.Errorf("body (%d bytes) differs from the %d wanted:\n got %q\nwant %q", len(body), len(tt.body), trim(body), trim(tt.body))
			}
			if !strings.Contains(string(body), tt.bodyHas) {
				t.Errorf("body %q lacks %q", body, tt.bodyHas)
			}
			if tt.check != nil {
				tt.check(t, resp, body)
			}
			if got := opens.Load(); got != tt.opens {
				t.Errorf("Open called %d times, want %d", got, tt.opens)
			}
		})
	}
}

func trim(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
