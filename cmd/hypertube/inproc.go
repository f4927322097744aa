package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"
)

// How long an in-process command may take to print its URL, and to stop
// once asked: a fresh serve migrates its database and imports the catalog
// first, on a box that may be busy with other work.
const (
	inProcessStartTimeout = 2 * time.Minute
	inProcessStopTimeout  = 30 * time.Second
)

// startInProcess runs a subcommand in this process exactly as the binary
// would run it — args as os.Args, an empty environment (so that a
// HYPERTUBE_* variable of whoever runs it cannot change what is measured or
// tested) — and waits for it to print the http:// URL it listens on. Its
// log goes to logs. stop cancels it and waits for it to return; it reports
// a non-zero exit and may be called more than once.
func startInProcess(ctx context.Context, args []string, logs io.Writer) (baseURL string, stop func() error, err error) {
	if len(args) < 2 {
		return "", nil, fmt.Errorf("startInProcess: want a program name and a command, got %q", args)
	}
	name := args[1]
	ctx, cancel := context.WithCancel(ctx)
	outR, outW := io.Pipe()
	tail := &tailWriter{max: 2048}
	stderr := io.MultiWriter(logs, tail)
	done := make(chan struct{})
	var code int
	go func() {
		code = run(ctx, args, func(string) string { return "" }, strings.NewReader(""), outW, stderr)
		outW.Close()
		close(done)
	}()
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			if u, ok := listenURL(sc.Text()); ok {
				select {
				case urls <- u:
				default:
				}
			}
		}
		// Keep reading whatever comes, or the command blocks on its stdout.
		io.Copy(io.Discard, outR)
	}()
	stop = sync.OnceValue(func() error {
		cancel()
		select {
		case <-done:
		case <-time.After(inProcessStopTimeout):
			return fmt.Errorf("hypertube %s did not stop within %v", name, inProcessStopTimeout)
		}
		if code != 0 {
			return fmt.Errorf("hypertube %s exited with status %d: %s", name, code, tail.last())
		}
		return nil
	})
	select {
	case u := <-urls:
		return u, stop, nil
	case <-done:
		stop()
		return "", nil, fmt.Errorf("hypertube %s exited with status %d before listening: %s", name, code, tail.last())
	case <-ctx.Done():
		stop()
		return "", nil, ctx.Err()
	case <-time.After(inProcessStartTimeout):
		stop()
		return "", nil, fmt.Errorf("hypertube %s printed no URL within %v", name, inProcessStartTimeout)
	}
}

// listenURL finds the http:// URL in a line such as "Hypertube is
// listening on http://127.0.0.1:8080".
func listenURL(line string) (string, bool) {
	i := strings.Index(line, "http://")
	if i < 0 {
		return "", false
	}
	s, _, _ := strings.Cut(line[i:], " ")
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", false
	}
	return strings.TrimSuffix(s, "/"), true
}

// tailWriter keeps the end of what is written to it, so that a command
// that fails can be reported with its last log line.
type tailWriter struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

// last returns the last non-empty line written, or a note that there was
// none.
func (w *tailWriter) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := lastLine(string(w.buf)); s != "" {
		return s
	}
	return "(it logged nothing)"
}
