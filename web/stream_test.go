package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/web"
)

func TestStreamRange(t *testing.T) {
	s := newSite(t, nil)
	tests := []struct {
		rangeHdr     string
		status       int
		contentRange string
		want         []byte
	}{
		{"bytes=1000-1999", 206, "bytes 1000-1999/300000", s.film[1000:2000]},
		{"bytes=299990-", 206, "bytes 299990-299999/300000", s.film[299990:]},
		{"", 200, "", s.film},
	}
	for _, tt := range tests {
		resp, body := s.do(t, "GET", "/movies/1/stream", map[string]string{"Range": tt.rangeHdr}, nil)
		if resp.StatusCode != tt.status {
			t.Errorf("Range %q: status %d, want %d", tt.rangeHdr, resp.StatusCode, tt.status)
		}
		if got := resp.Header.Get("Content-Range"); got != tt.contentRange {
			t.Errorf("Range %q: Content-Range %q, want %q", tt.rangeHdr, got, tt.contentRange)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "video/mp4" {
			t.Errorf("Range %q: Content-Type %q, want video/mp4 (the largest video file)", tt.rangeHdr, ct)
		}
		if !bytes.Equal([]byte(body), tt.want) {
			t.Errorf("Range %q: %d bytes, not the film's bytes %d", tt.rangeHdr, len(body), len(tt.want))
		}
		checkSecurityHeaders(t, resp)
	}
	// Only requests from the start count as a play.
	if n := s.movies.watchCount(1); n != 1 {
		t.Errorf("film marked watched %d times, want 1", n)
	}
	resp, _ := s.do(t, "HEAD", "/movies/1/stream", nil, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != "300000" || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("HEAD: %d, Content-Length %q, Accept-Ranges %q", resp.StatusCode, resp.Header.Get("Content-Length"), resp.Header.Get("Accept-Ranges"))
	}
	if n := s.movies.watchCount(1); n != 1 {
		t.Errorf("HEAD marked the film watched")
	}
}

func TestStreamChoosesNamedFile(t *testing.T) {
	s := newSite(t, nil)
	m := s.movies.byID(1)
	m.FilePath = "Demo Film/sample.mp4"
	s.movies.UpdateMovie(t.Context(), m)
	resp, body := s.get(t, "/movies/1/stream")
	if resp.StatusCode != 200 || len(body) != 1000 {
		t.Errorf("status %d, %d bytes; want the 1000-byte sample named by the film", resp.StatusCode, len(body))
	}
	m.FilePath = "../../etc/passwd"
	s.movies.UpdateMovie(t.Context(), m)
	if resp, _ := s.get(t, "/movies/1/stream"); resp.StatusCode != 404 {
		t.Errorf("a file not in the torrent: status %d, want 404", resp.StatusCode)
	}
}

func TestStreamNoVideoFile(t *testing.T) {
	s := newSite(t, nil)
	const ih = "1111111111111111111111111111111111111111"
	s.engine.addTorrent(ih, "Docs", fakeFile{path: "a.txt", data: []byte("x")}, fakeFile{path: "b.nfo", data: []byte("y")})
	s.movies.CreateMovie(t.Context(), &hypertube.Movie{Title: "Docs", InfoHash: ih})
	resp, body := s.get(t, "/movies/3/stream")
	if resp.StatusCode != 404 || !strings.Contains(body, "no video file") {
		t.Errorf("status %d, want 404 saying there is no video: %.300s", resp.StatusCode, body)
	}
}

func TestStreamWithoutMetadataTimesOut(t *testing.T) {
	s := newSite(t, func(c *web.Config) { c.FirstByteTimeout = 300 * time.Millisecond })
	resp, body := s.get(t, "/movies/2/stream")
	if resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(body, "No peers sent the film") {
		t.Errorf("status %d, want 504 with an explanation: %.300s", resp.StatusCode, body)
	}
}

func TestEventsAddTorrentEngineForgot(t *testing.T) {
	s := newSite(t, nil)
	s.engine.Drop(emptyHash)
	readEvents(t, s, "/movies/2/events", "status", 1)
	if _, err := s.engine.Status(emptyHash); err != nil {
		t.Errorf("torrent not re-added: %v", err)
	}
}

// readEvents reads n server-sent events of the given name.
func readEvents(t *testing.T, s *site, path string, name string, n int) []map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL+path, nil)
	resp, err := s.me.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	checkSecurityHeaders(t, resp)
	var events []map[string]any
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() && len(events) < n {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == name:
			var m map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m); err != nil {
				t.Fatalf("event data is not JSON: %v: %s", err, line)
			}
			events = append(events, m)
		case line == "":
			event = ""
		}
	}
	if len(events) < n {
		t.Fatalf("got %d %s events, want %d (scan error %v)", len(events), name, n, sc.Err())
	}
	return events
}

func TestEvents(t *testing.T) {
	s := newSite(t, nil)
	// The film's file is bytes [5, 300005) of the torrent; buffered ranges
	// come back relative to the file and clipped to it.
	s.engine.setStatus(demoHash, func(st *hypertube.TorrentStatus) {
		st.Peers, st.Seeders, st.DownloadRate, st.UploadRate = 3, 1, 1.5e6, 2e3
		st.Buffered = []hypertube.ByteRange{{Start: 0, End: 1005}, {Start: 150005, End: 180005}, {Start: 300005, End: 301005}}
		st.BytesCompleted = 32005
	})
	events := readEvents(t, s, "/movies/1/events", "status", 2)
	for i, ev := range events {
		want := map[string]any{
			"peers": 3.0, "seeders": 1.0, "downloadRate": 1.5e6, "uploadRate": 2e3,
			"bytesCompleted": 31000.0, "length": 300000.0, "percent": 10.3,
			"complete": false, "hasInfo": true,
		}
		for k, v := range want {
			if ev[k] != v {
				t.Errorf("event %d: %s = %v, want %v", i, k, ev[k], v)
			}
		}
		b, _ := json.Marshal(ev["buffered"])
		if string(b) != `[{"end":1000,"start":0},{"end":180000,"start":150000}]` {
			t.Errorf("event %d: buffered = %s", i, b)
		}
	}
}

func TestEventsWithoutPeers(t *testing.T) {
	s := newSite(t, nil)
	ev := readEvents(t, s, "/movies/2/events", "status", 1)[0]
	if ev["peers"] != 0.0 || ev["hasInfo"] != false || ev["percent"] != 0.0 {
		t.Errorf("event = %v", ev)
	}
	if b, _ := json.Marshal(ev["buffered"]); string(b) != "[]" {
		t.Errorf("buffered = %s, want []", b)
	}
}

// logLines is a slog handler's output that tests may read while the
// server writes.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestEventsEndWhenClientGoes(t *testing.T) {
	var logs logLines
	s := newSite(t, func(c *web.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/movies/1/events", nil)
	resp, err := s.me.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('}'); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	// The handler's request log line is written only when it returns.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "path=/movies/1/events status=200") {
		if time.Now().After(deadline) {
			t.Fatalf("the event stream did not end after the client left; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
