package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

var (
	// ErrIdle is in the chain of Wait's error when the job was killed
	// because Touch was not called in time.
	ErrIdle = errors.New("media: job killed: nobody asked for its output")
	// ErrStopped is in the chain of Wait's error when Stop ended a job that
	// did not exit cleanly.
	ErrStopped = errors.New("media: job stopped")
)

// Job is one running process.
type Job struct {
	runner  *Runner
	owner   string
	program string
	ctx     context.Context
	cmd     *exec.Cmd
	stdout  *os.File
	stdin   *os.File // nil when the caller supplied stdin
	stderr  *tailBuffer
	idle    time.Duration
	grace   time.Duration
	counted bool
	started time.Time

	mu     sync.Mutex
	timer  *time.Timer // idle timer, nil without one
	reason error       // why we ended the job, first cause wins
	exited bool

	stopOnce sync.Once
	done     chan struct{}
	err      error // set before done is closed
}

// ExitError is returned by Wait when the process failed. Stderr holds the
// tail of what it printed, which is usually where ffmpeg says why.
type ExitError struct {
	Owner   string
	Program string
	Err     error // from os/exec
	Reason  error // ErrIdle, ErrStopped, the context's error, or nil
	Stderr  []byte
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("media: %s (%s): %v", e.Program, e.Owner, e.Err)
	if e.Reason != nil {
		msg += " (" + e.Reason.Error() + ")"
	}
	if tail := lastLines(e.Stderr, 1024); tail != "" {
		msg += ": " + tail
	}
	return msg
}

// Unwrap lets errors.Is see both the reason and the exec error.
func (e *ExitError) Unwrap() []error {
	if e.Reason == nil {
		return []error{e.Err}
	}
	return []error{e.Reason, e.Err}
}

// lastLines returns at most max bytes from the end of b, starting at a line
// boundary when there is one, on a single line.
func lastLines(b []byte, max int) string {
	b = bytes.TrimSpace(b)
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return string(bytes.ReplaceAll(b, []byte("\n"), []byte(" | ")))
}

// Owner names who the job works for, for logs.
func (j *Job) Owner() string { return j.owner }

// Pid is the process id of the job, which is also its process group id.
func (j *Job) Pid() int { return j.cmd.Process.Pid }

// Stdout is the process's standard output. Read it to EOF before Wait: Wait
// closes it.
func (j *Job) Stdout() io.Reader { return j.stdout }

// Stderr returns the last 64 KiB the process wrote to stderr so far.
func (j *Job) Stderr() []byte { return j.stderr.Bytes() }

// Done is closed once the process has exited and been reaped.
func (j *Job) Done() <-chan struct{} { return j.done }

// Wait waits for the process to exit and returns nil or an *ExitError. It
// may be called more than once.
func (j *Job) Wait() error {
	<-j.done
	j.stdout.Close()
	return j.err
}

// Touch postpones the idle kill; viewers call it each time they ask for more.
func (j *Job) Touch() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.timer != nil && !j.exited && j.reason == nil {
		j.timer.Reset(j.idle)
	}
}

// Stop asks ffmpeg to finish ("q" on stdin, or SIGINT when the caller owns
// stdin) so that it can close its output properly, kills the group if it is
// still there after the grace period, and returns once the process is gone.
func (j *Job) Stop() {
	j.stopOnce.Do(func() {
		if !j.end(ErrStopped) {
			return
		}
		j.runner.logger().Info("media job stopping", "owner", j.owner, "pid", j.Pid())
		var err error
		if j.stdin != nil {
			_, err = j.stdin.Write([]byte("q"))
		} else {
			err = j.signal(syscall.SIGINT)
		}
		if err != nil {
			j.kill()
		}
		select {
		case <-j.done:
		case <-time.After(j.grace):
			j.runner.logger().Info("media job did not stop in time; killing it", "owner", j.owner, "pid", j.Pid())
			j.kill()
		}
	})
	<-j.done
}

// expire runs when the idle timer fires.
func (j *Job) expire() {
	if !j.end(ErrIdle) {
		return
	}
	j.runner.logger().Info("media job idle; killing it", "owner", j.owner, "pid", j.Pid(), "idle", j.idle)
	j.kill()
}

// end records why we end the job; it reports false when the job already
// exited or is already being ended.
func (j *Job) end(reason error) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.exited || j.reason != nil {
		return false
	}
	j.reason = reason
	if j.timer != nil {
		j.timer.Stop()
	}
	return true
}

func (j *Job) kill() { j.signal(syscall.SIGKILL) }

// signal signals the job's whole group, unless the process was reaped: its
// pid, and so its group id, may then belong to someone else.
func (j *Job) signal(sig syscall.Signal) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.exited {
		return os.ErrProcessDone
	}
	return killGroup(j.cmd.Process.Pid, sig)
}

// reap waits for the process so that it never lingers as a zombie, even
// when the caller forgets Wait, and frees its job slot.
func (j *Job) reap() {
	err := j.cmd.Wait()
	j.mu.Lock()
	j.exited = true
	if j.timer != nil {
		j.timer.Stop()
	}
	reason := j.reason
	j.mu.Unlock()
	if j.stdin != nil {
		j.stdin.Close()
	}
	if j.counted {
		j.runner.release()
	}
	if reason == nil && j.ctx.Err() != nil {
		reason = j.ctx.Err()
	}
	// A job we stopped that still exited cleanly did its work.
	if err != nil {
		j.err = &ExitError{Owner: j.owner, Program: j.program, Err: err, Reason: reason, Stderr: j.stderr.Bytes()}
	}
	log := j.runner.logger()
	attrs := []any{"owner", j.owner, "pid", j.cmd.Process.Pid, "elapsed", time.Since(j.started).Round(time.Millisecond)}
	if err != nil {
		attrs = append(attrs, "err", err, "reason", reason, "stderr", lastLines(j.stderr.Bytes(), 512))
	}
	log.Debug("media job ended", attrs...)
	close(j.done)
}
