package catalog_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeService is an httptest server that records what it was asked and
// answers with route.
type fakeService struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

func newFakeService(t *testing.T, route func(w http.ResponseWriter, r *http.Request)) *fakeService {
	t.Helper()
	s := &fakeService{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(r.Context()))
		s.mu.Unlock()
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "Hypertube/") {
			t.Errorf("User-Agent = %q, want Hypertube/…", ua)
		}
		route(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *fakeService) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

func (s *fakeService) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[len(s.requests)-1]
}

// answer writes a fixture as JSON with a status.
func answer(t *testing.T, w http.ResponseWriter, status int, name string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(fixture(t, name))
}

// wantError checks that err is a *hypertube.Error with code and a message
// holding each of words, fit to show a person.
func wantError(t *testing.T, err error, code string, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := hypertube.ErrorCode(err); got != code {
		t.Errorf("error %v: code %q, want %q", err, got, code)
	}
	msg := hypertube.ErrorMessage(err)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not say %q", msg, w)
		}
	}
	if strings.Contains(msg, "secret-key") {
		t.Errorf("message %q shows the API key", msg)
	}
}

func checkMagnet(t *testing.T, magnet, infoHash string, trackers int) {
	t.Helper()
	m, err := metainfo.ParseMagnetUri(magnet)
	if err != nil {
		t.Fatalf("magnet %q: %v", magnet, err)
	}
	if m.InfoHash.HexString() != infoHash {
		t.Errorf("magnet hash %s, want %s", m.InfoHash.HexString(), infoHash)
	}
	if m.DisplayName == "" {
		t.Error("magnet has no dn")
	}
	if len(m.Trackers) != trackers {
		t.Errorf("magnet has %d trackers, want %d", len(m.Trackers), trackers)
	}
}

// TestMain keeps the providers' warnings, expected here, out of the test
// output.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
