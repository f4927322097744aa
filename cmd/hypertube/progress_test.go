package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFormatProgress(t *testing.T) {
	const MiB = 1 << 20
	tests := []struct {
		name string
		p    downloadProgress
		want string
	}{
		{"example from the docs", downloadProgress{Done: 21 * MiB, Total: 50 * MiB, Rate: 12.3 * MiB, Peers: 3},
			"42.0% 21.0 MiB/50.0 MiB 12.3 MiB/s 3 peers ETA 2s"},
		{"nothing yet, no peers", downloadProgress{Total: 700 * MiB},
			"0.0% 0 B/700.0 MiB 0 B/s 0 peers ETA ?"},
		{"one peer, small sizes", downloadProgress{Done: 512, Total: 2048, Rate: 100, Peers: 1},
			"25.0% 512 B/2.0 KiB 100 B/s 1 peer ETA 15s"},
		{"almost done is not 100%", downloadProgress{Done: 9999, Total: 10000, Rate: 1, Peers: 2},
			"99.9% 9.8 KiB/9.8 KiB 1 B/s 2 peers ETA 1s"},
		{"complete", downloadProgress{Done: 50 * MiB, Total: 50 * MiB, Rate: 5 * MiB, Peers: 4},
			"100.0% 50.0 MiB/50.0 MiB 5.0 MiB/s 4 peers ETA 0s"},
		{"long ETA in hours", downloadProgress{Done: 0, Total: 4 << 30, Rate: 100 << 10, Peers: 1},
			"0.0% 0 B/4.0 GiB 100.0 KiB/s 1 peer ETA 11h39m3s"},
		{"ETA beyond reason", downloadProgress{Done: 0, Total: 4 << 40, Rate: 1, Peers: 1},
			"0.0% 0 B/4.0 TiB 1 B/s 1 peer ETA ?"},
		{"unknown length", downloadProgress{},
			"0.0% 0 B/0 B 0 B/s 0 peers ETA 0s"},
		{"sub-second ETA rounds up", downloadProgress{Done: 900, Total: 1000, Rate: 1000, Peers: 1},
			"90.0% 900 B/1000 B 1000 B/s 1 peer ETA 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatProgress(tt.p); got != tt.want {
				t.Errorf("formatProgress(%+v)\n got %q\nwant %q", tt.p, got, tt.want)
			}
		})
	}
}

func TestFormatProgressBar(t *testing.T) {
	p := downloadProgress{Done: 1 << 20, Total: 4 << 20, Rate: 1 << 20, Peers: 2}
	text := formatProgress(p)
	tests := []struct {
		name  string
		width int
		want  string
	}{
		{"too narrow for a bar", 40, text},
		{"bar capped at 40", 200, "[##########------------------------------] " + text},
		{"bar fills the width", len(text) + 3 + 20, "[#####---------------] " + text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formatProgressBar(p, tt.width)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if len(got) > tt.width && got != text {
				t.Errorf("%d columns is wider than %d", len(got), tt.width)
			}
		})
	}
}

// A pipe or log file gets whole lines, no more often than every 2 s, and no
// terminal escapes.
func TestProgressWriterPlain(t *testing.T) {
	var buf bytes.Buffer
	pw := newProgressWriter(&buf)
	if pw.terminal {
		t.Fatal("a bytes.Buffer is not a terminal")
	}
	start := time.Unix(1000, 0)
	p := downloadProgress{Done: 1, Total: 2, Peers: 1}
	pw.update(p, start, false)
	pw.update(p, start.Add(time.Second), false)           // too soon
	pw.update(p, start.Add(2500*time.Millisecond), false) // due
	pw.update(downloadProgress{Done: 2, Total: 2}, start.Add(2600*time.Millisecond), true)
	pw.finish()
	want := "50.0% 1 B/2 B 0 B/s 1 peer ETA ?\n" +
		"50.0% 1 B/2 B 0 B/s 1 peer ETA ?\n" +
		"100.0% 2 B/2 B 0 B/s 0 peers ETA 0s\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.ContainsAny(buf.String(), "\r\x1b") {
		t.Error("plain output holds terminal control characters")
	}
}

// On a terminal the bar is redrawn in place ~4 times a second and the line is
// ended once at the finish.
func TestProgressWriterTerminal(t *testing.T) {
	var buf bytes.Buffer
	pw := &progressWriter{w: &buf, terminal: true, width: 120, every: 250 * time.Millisecond}
	start := time.Unix(1000, 0)
	p := downloadProgress{Done: 1, Total: 4}
	for i := range 8 { // 1 s of 125 ms ticks
		pw.update(p, start.Add(time.Duration(i)*125*time.Millisecond), false)
	}
	pw.finish()
	out := buf.String()
	if n := strings.Count(out, "\r"); n != 4 {
		t.Errorf("%d redraws in 1 s, want 4: %q", n, out)
	}
	if !strings.HasSuffix(out, "\x1b[K\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("want one newline, at the end: %q", out)
	}
	if !strings.Contains(out, "] 25.0% 1 B/4 B") {
		t.Errorf("no bar in %q", out)
	}
}
