package web_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/web"
)

// hintingEngine records the duration hints the site gives its engine.
type hintingEngine struct {
	hypertube.Engine
	mu    sync.Mutex
	hints []string
}

func (e *hintingEngine) SetDurationHint(infoHash string, index int, d time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.hints = append(e.hints, infoHash+"/"+string(rune('0'+index))+"="+d.String())
	return nil
}

func (e *hintingEngine) got() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.hints...)
}

// The stream tells an engine that takes hints how long the film plays,
// from the catalog's runtime when no probe is cached; an engine without
// the method (the plain fake of the other tests) streams all the same.
func TestStreamHintsTheFilmsDuration(t *testing.T) {
	var eng *hintingEngine
	s := newSite(t, func(c *web.Config) {
		eng = &hintingEngine{Engine: c.Engine}
		c.Engine = eng
	})
	tests := []struct {
		runtime int
		want    []string
	}{
		{0, nil}, // nothing known: no hint, the engine guesses
		{95, []string{demoHash + "/1=1h35m0s"}},
	}
	for _, tt := range tests {
		s.movies.mu.Lock()
		s.movies.movies[1].Runtime = tt.runtime
		s.movies.mu.Unlock()
		before := len(eng.got())
		resp, body := s.do(t, "GET", "/movies/1/stream", map[string]string{"Range": "bytes=0-9"}, nil)
		if resp.StatusCode != 206 || body != string(s.film[:10]) {
			t.Fatalf("runtime %d: status %d, body %q", tt.runtime, resp.StatusCode, body)
		}
		if got := eng.got()[before:]; len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
			t.Errorf("runtime %d: hints %q, want %q", tt.runtime, got, tt.want)
		}
	}
}
