package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestListenURL(t *testing.T) {
	tests := []struct {
		line string
		want string // "" for no URL
	}{
		{"Hypertube is listening on http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"Hypertube is listening on http://127.0.0.1:43121/ (press Ctrl-C to stop)", "http://127.0.0.1:43121"},
		{"tracker on http://[::1]:6969", "http://[::1]:6969"},
		{"listening on 127.0.0.1:8080", ""},
		{"http://", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := listenURL(tt.line)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("listenURL(%q) = %q, %v; want %q", tt.line, got, ok, tt.want)
		}
	}
}

func TestTailWriterKeepsTheLastLine(t *testing.T) {
	w := &tailWriter{max: 64}
	if got := w.last(); got != "(it logged nothing)" {
		t.Errorf("empty: last() = %q", got)
	}
	for range 100 {
		io.WriteString(w, "level=INFO msg=\"a line that scrolls away\"\n")
	}
	io.WriteString(w, "level=ERROR msg=boom\n")
	if got := w.last(); got != "level=ERROR msg=boom" {
		t.Errorf("last() = %q, want the last line", got)
	}
	if len(w.buf) > 64 {
		t.Errorf("kept %d bytes, want at most 64", len(w.buf))
	}
}

// TestStartInProcess starts the real serve, reaches it at the URL it
// printed, stops it and finds it gone.
func TestStartInProcess(t *testing.T) {
	logs := &tailWriter{max: 8 << 10}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base, stop, err := startInProcess(ctx, []string{"hypertube", "serve", "--addr", "127.0.0.1:0",
		"--data", t.TempDir(), "--torrent-addr", "127.0.0.1:0", "--no-dht", "--no-pex", "--no-utp",
		"--demo=false", "--log-level", "warn"}, logs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Errorf("base URL %q, want one on 127.0.0.1", base)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Get(base + "/healthz")
	if err != nil {
		stop()
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("GET /healthz: %s %q", res.Status, body)
	}
	client.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v\nlog: %s", err, logs.buf)
	}
	if err := stop(); err != nil {
		t.Errorf("a second stop: %v", err)
	}
	if res, err := client.Get(base + "/healthz"); err == nil {
		res.Body.Close()
		t.Errorf("GET /healthz after stop: %s, want no server", res.Status)
	}
}

// TestStartInProcessReportsFailure gives serve a flag it does not know: the
// error says how it exited and why, without waiting for a URL.
func TestStartInProcessReportsFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, stop, err := startInProcess(ctx, []string{"hypertube", "serve", "--no-such-flag"}, io.Discard)
	if err == nil {
		stop()
		t.Fatal("serve with an unknown flag started")
	}
	for _, want := range []string{"status 2", "before listening", "no-such-flag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, _, err := startInProcess(ctx, []string{"hypertube"}, io.Discard); err == nil {
		t.Error("startInProcess without a command gave no error")
	}
}
