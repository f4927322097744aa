package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/hypertube/hypertube/tracker"
)

// runTracker serves a standalone tracker: HTTP announces and scrapes on TCP
// and BEP 15 on UDP, both on the same host and port.
func runTracker(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("tracker", "[--addr HOST:PORT] [--interval DURATION]", e)
	addr := fs.String("addr", "127.0.0.1:6969", "`HOST:PORT` to serve on, over TCP (HTTP) and UDP; port 0 picks a free one")
	interval := fs.Duration("interval", 2*time.Minute, "how often clients should announce")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError{fmt.Sprintf("--addr %q is not HOST:PORT", *addr)}
	}
	if *interval < time.Second {
		return usageError{"--interval must be at least 1s"}
	}
	logger := slog.New(slog.NewTextHandler(e.Stderr, nil))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", *addr, err)
	}
	defer ln.Close()
	// With port 0 the UDP socket takes the port TCP got, so that one
	// host:port names the tracker for both protocols.
	port := ln.Addr().(*net.TCPAddr).Port
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("listening on UDP port %d: %w", port, err)
	}
	defer pc.Close()

	trk := tracker.New(tracker.Config{Interval: *interval, Logger: logger})
	mux := http.NewServeMux()
	mux.Handle("GET /announce", trk)
	mux.Handle("GET /scrape", trk)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	hostPort := net.JoinHostPort(urlHost(host), strconv.Itoa(port))
	fmt.Fprintf(e.Stdout, "http://%s/announce\nudp://%s\n", hostPort, hostPort)
	logger.Info("tracker listening", "tcp", ln.Addr(), "udp", pc.LocalAddr())

	udpCtx, stopUDP := context.WithCancel(ctx)
	defer stopUDP()
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	go func() { errc <- trk.ServeUDP(udpCtx, pc) }()

	var failed error
	pending := 2
	select {
	case <-ctx.Done():
	case failed = <-errc: // a server that stops on its own has failed
		pending--
	}
	stopUDP()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	for range pending {
		if err := <-errc; failed == nil {
			failed = err
		}
	}
	if failed != nil && !errors.Is(failed, http.ErrServerClosed) {
		return fmt.Errorf("tracker stopped: %w", failed)
	}
	return nil
}

// urlHost is the host to print in announce URLs: a wildcard address cannot be
// dialled, so this machine's loopback stands in for it.
func urlHost(host string) string {
	ip, err := netip.ParseAddr(host)
	switch {
	case host == "":
		return "127.0.0.1"
	case err == nil && ip.IsUnspecified() && ip.Is4():
		return "127.0.0.1"
	case err == nil && ip.IsUnspecified():
		return "::1"
	}
	return host
}
