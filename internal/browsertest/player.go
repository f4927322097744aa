package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Player drives a film page step by step; a step or wait that fails stops
// the test with the player's state and the console's errors.
type Player struct {
	t       testing.TB
	ctx     context.Context
	console *Console
}

// NewPlayer drives the page of ctx, whose console is console (see New).
func NewPlayer(t testing.TB, ctx context.Context, console *Console) *Player {
	return &Player{t: t, ctx: ctx, console: console}
}

// Fail stops the test: what failed, why, the player and the console.
func (p *Player) Fail(what string, err error) {
	p.t.Helper()
	state, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](VideoState))
	p.t.Fatalf("%s: %v\npage: %s\nconsole: %q", what, err, state, p.console.Errors())
}

// Step runs actions within 30 s.
func (p *Player) Step(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	c, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		p.Fail(what, err)
	}
}

// Wait polls expr until it is true, within d, and returns how long that
// took.
func (p *Player) Wait(what, expr string, d time.Duration) time.Duration {
	p.t.Helper()
	start := time.Now()
	c, cancel := context.WithTimeout(p.ctx, d+5*time.Second)
	defer cancel()
	if err := WaitJS(c, expr, d); err != nil {
		p.Fail(what, err)
	}
	return time.Since(start)
}
