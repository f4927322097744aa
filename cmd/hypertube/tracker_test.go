package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunTracker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"hypertube", "tracker", "--addr", "127.0.0.1:0"}, func(string) string { return "" }, strings.NewReader(""), outW, &stderr)
	}()
	sc := bufio.NewScanner(outR)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	go io.Copy(io.Discard, outR)
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "http://127.0.0.1:") || !strings.HasSuffix(lines[0], "/announce") || !strings.HasPrefix(lines[1], "udp://127.0.0.1:") {
		t.Fatalf("stdout %q, want the HTTP and UDP announce URLs", lines)
	}
	hostPort := strings.TrimPrefix(lines[1], "udp://")
	if lines[0] != "http://"+hostPort+"/announce" {
		t.Fatalf("HTTP URL %q and UDP URL %q name different ports", lines[0], lines[1])
	}

	resp, err := http.Get(lines[0] + "?info_hash=short")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "failure reason") {
		t.Errorf("HTTP announce answered %q", body)
	}

	conn, err := net.Dial("udp", hostPort)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pkt := binary.BigEndian.AppendUint64(nil, 0x41727101980)
	pkt = binary.BigEndian.AppendUint32(pkt, 0)
	pkt = binary.BigEndian.AppendUint32(pkt, 77)
	conn.Write(pkt)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil || n != 16 || binary.BigEndian.Uint32(buf[4:]) != 77 {
		t.Fatalf("UDP connect answered %x, %v", buf[:n], err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit status %d, stderr %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tracker did not stop when its context ended")
	}
}

func TestRunTrackerBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", "nonsense"},
		{"--interval", "0s"},
		{"extra"},
		{"--bogus"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), append([]string{"hypertube", "tracker"}, args...), func(string) string { return "" }, strings.NewReader(""), io.Discard, &stderr)
		if code != 2 {
			t.Errorf("%q: exit status %d, want 2 (stderr %s)", args, code, stderr.String())
		}
	}
}

func TestRunTrackerPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"hypertube", "tracker", "--addr", ln.Addr().String()}, func(string) string { return "" }, strings.NewReader(""), io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "listening on") {
		t.Errorf("exit status %d, stderr %q; want 1 and a listening error", code, stderr.String())
	}
}
