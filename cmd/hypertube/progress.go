package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// downloadProgress is one snapshot of a download, as shown to the person waiting.
type downloadProgress struct {
	Done, Total int64   // verified bytes and torrent length
	Rate        float64 // bytes/s
	Peers       int
}

// formatProgress renders p as one line, e.g.
// "42.0% 21.0 MiB/50.0 MiB 12.3 MiB/s 3 peers ETA 2s".
func formatProgress(p downloadProgress) string {
	return fmt.Sprintf("%s %s/%s %s/s %s ETA %s",
		progressPercent(p.Done, p.Total), progressBytes(p.Done), progressBytes(p.Total),
		progressBytes(int64(p.Rate)), progressPeers(p.Peers), progressETA(p))
}

// formatProgressBar renders p with a bar that fits in width columns, for a
// terminal where the line is redrawn in place.
func formatProgressBar(p downloadProgress, width int) string {
	text := formatProgress(p)
	barWidth := width - len(text) - 3 // "[" + "] " around the bar
	if barWidth < 10 {
		return text
	}
	barWidth = min(barWidth, 40)
	filled := 0
	if p.Total > 0 {
		filled = int(float64(barWidth) * float64(min(p.Done, p.Total)) / float64(p.Total))
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled) + "] " + text
}

func progressPercent(done, total int64) string {
	if total <= 0 {
		return "0.0%"
	}
	// Floor, so that 99.99% never shows as 100.0% before the last piece is in.
	pct := math.Floor(float64(done)*1000/float64(total)) / 10
	return fmt.Sprintf("%.1f%%", min(pct, 100))
}

// progressBytes uses binary units with one decimal, as most BitTorrent clients do.
func progressBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", max(n, 0))
	}
	v := float64(n)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= unit
		if v < unit || u == "TiB" {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	panic("unreachable")
}

func progressPeers(n int) string {
	if n == 1 {
		return "1 peer"
	}
	return fmt.Sprintf("%d peers", n)
}

// progressETA shows "?" while nothing is arriving: a guess from a zero rate
// would be infinite, and one from a stale rate would lie.
func progressETA(p downloadProgress) string {
	left := p.Total - p.Done
	switch {
	case left <= 0:
		return "0s"
	case p.Rate < 1:
		return "?"
	}
	secs := float64(left) / p.Rate // in float: a Duration would overflow for huge ETAs
	switch {
	case secs > (99 * time.Hour).Seconds():
		return "?"
	case secs < 1:
		return "1s"
	}
	return time.Duration(secs * float64(time.Second)).Round(time.Second).String()
}

// progressWriter shows progress on w: a bar redrawn in place when w is a
// terminal, plain lines at a slower pace otherwise (logs, pipes, CI).
type progressWriter struct {
	w        io.Writer
	terminal bool
	width    int
	every    time.Duration
	last     time.Time
	drawn    bool // a bar line is on screen and needs a newline before other output
}

func newProgressWriter(w io.Writer) *progressWriter {
	pw := &progressWriter{w: w, every: 2 * time.Second}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		pw.terminal, pw.every, pw.width = true, 250*time.Millisecond, 80
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			pw.width = width
		}
	}
	return pw
}

// interval is how often update should be called.
func (pw *progressWriter) interval() time.Duration {
	if pw.terminal {
		return pw.every
	}
	return pw.every / 4 // poll faster than we print so that lines come out on time
}

// update shows p if it is time to; force shows it regardless.
func (pw *progressWriter) update(p downloadProgress, now time.Time, force bool) {
	if !force && now.Sub(pw.last) < pw.every {
		return
	}
	pw.last = now
	if pw.terminal {
		// \r and "erase to end of line" redraw the bar in place.
		fmt.Fprintf(pw.w, "\r%s\x1b[K", formatProgressBar(p, pw.width-1))
		pw.drawn = true
		return
	}
	fmt.Fprintln(pw.w, formatProgress(p))
}

// finish ends the bar's line so that what follows starts on its own.
func (pw *progressWriter) finish() {
	if pw.drawn {
		fmt.Fprintln(pw.w)
		pw.drawn = false
	}
}
