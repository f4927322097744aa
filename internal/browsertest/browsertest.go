// Package browsertest starts a real headless Chromium for end-to-end tests
// and records what its console says.
package browsertest

import (
	"context"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hypertube/hypertube/internal/chromium"
)

// Console collects the errors a page reports: console.error calls,
// uncaught exceptions and browser log entries of level error.
type Console struct {
	mu     sync.Mutex
	errors []string
}

// Errors returns what was recorded so far.
func (c *Console) Errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

func (c *Console) add(s string) {
	c.mu.Lock()
	c.errors = append(c.errors, s)
	c.mu.Unlock()
}

// New starts Chromium with a fresh profile and returns a chromedp context
// (one tab) and the console of that tab. The browser is closed at cleanup.
// Bound individual steps with context.WithTimeout on the returned context.
func New(t testing.TB) (context.Context, *Console) {
	t.Helper()
	if _, err := exec.LookPath(chromium.ExecPath); err != nil {
		t.Fatalf("Chromium is required for this test (apt-get install chromium): %v", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromium.Options(t.TempDir())...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	// The first action starts the browser; it must run on a context without
	// a deadline, or the deadline would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	console := &Console{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				console.add(m.String())
			}
		}
	}()
	return ctx, console
}

// WaitJS polls expr, a JavaScript boolean expression, until it is true or
// timeout passes; the error says what went wrong.
func WaitJS(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still not true after %v (last error: %v)", expr, timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// VideoState is a JavaScript expression that describes the film page's
// player as JSON (mode line, error line, time, duration, paused, ready
// state, source), for test failure messages.
const VideoState = `(() => {
	const v = document.getElementById('video');
	return JSON.stringify({mode: document.getElementById('play-mode')?.textContent,
		error: document.getElementById('video-error')?.textContent, t: v?.currentTime, d: v?.duration,
		paused: v?.paused, ready: v?.readyState, src: v?.currentSrc});
})()`
