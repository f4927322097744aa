package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestBenchSite drives a fresh serve the way the benchmark does: the bench
// user is signed in, bad input to the add form comes back with the site's
// own message, and streams need the session.
func TestBenchSite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	logs := &tailWriter{max: 8 << 10}
	b := &bench{logs: logs, logLevel: "warn", out: io.Discard}
	site, err := b.newSite(ctx)
	if err != nil {
		t.Fatalf("%v\nlog: %s", err, logs.buf)
	}
	defer func() {
		if err := site.Close(); err != nil {
			t.Errorf("closing the site: %v\nlog: %s", err, logs.buf)
		}
	}()
	if c := site.sessionCookie(); c == nil || c.Value == "" {
		t.Fatal("no session cookie after sign-up")
	}
	if site.csrf == "" {
		t.Fatal("no form token after sign-up")
	}
	if _, err := site.page(ctx, "/profile"); err != nil {
		t.Errorf("the bench user cannot open their profile: %v", err)
	}

	tests := []struct {
		name string
		add  func() (int64, error)
	}{
		{"not a magnet", func() (int64, error) { return site.addMagnet(ctx, "https://example.org/film") }},
		{"empty magnet", func() (int64, error) { return site.addMagnet(ctx, "") }},
		{"not a torrent", func() (int64, error) { return site.addTorrentFile(ctx, []byte("hello")) }},
	}
	for _, tt := range tests {
		id, err := tt.add()
		if err == nil {
			t.Errorf("%s: added as film %d", tt.name, id)
			continue
		}
		// The site's message is in the error, not just a status.
		msg := err.Error()
		if !strings.HasPrefix(msg, "adding a film: 400 Bad Request: ") || len(msg) < len("adding a film: 400 Bad Request: ")+10 {
			t.Errorf("%s: error %q, want 400 with the site's message", tt.name, msg)
		}
	}

	if _, err := site.get(ctx, 999999, 0); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("stream of a film that does not exist: %v, want a 404", err)
	}
	anon := *site.client
	anon.Jar = nil
	signedOut := &benchSite{url: site.url, client: &anon}
	if _, err := signedOut.page(ctx, "/"); err == nil || !strings.Contains(err.Error(), "/signin") {
		t.Errorf("home page without the session: %v, want a redirect to /signin", err)
	}
}
