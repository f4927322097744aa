// Package media runs ffmpeg and ffprobe the way a media server must: every
// process is tied to a context, lives in its own process group so that the
// whole group can be killed, keeps only the tail of its stderr, is always
// reaped, and counts against a limit of concurrent jobs.
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/hypertube/hypertube"
)

const (
	// stderrTail is how much of a process's stderr is kept for error
	// messages and logs.
	stderrTail = 64 << 10
	// defaultGrace is how long Stop waits for ffmpeg to finish after "q".
	defaultGrace = 3 * time.Second
	// waitDelay bounds how long Wait waits for a killed group's pipes to
	// close, in case some process escaped the group kill.
	waitDelay = 2 * time.Second
)

// Runner starts ffmpeg and ffprobe processes. Its zero value is usable: the
// programs are looked up in PATH and the number of jobs is not limited. A
// Runner must not be copied after first use.
type Runner struct {
	FFmpeg  string // path of ffmpeg; "" looks up "ffmpeg" in PATH
	FFprobe string // path of ffprobe; "" looks up "ffprobe" in PATH
	// MaxJobs caps the number of ffmpeg jobs running at once; past it Start
	// fails at once with EUNAVAILABLE. Zero or less means no cap. Probes are
	// short and not counted, so that a busy server can still look at files.
	MaxJobs int
	Logger  *slog.Logger // nil means slog.Default()

	mu      sync.Mutex
	running int
}

// JobOptions tunes one job.
type JobOptions struct {
	// Stdin feeds the process. When nil the job keeps a pipe to the
	// process's stdin so that Stop can ask ffmpeg to quit with "q".
	Stdin io.Reader
	// Idle kills the job when Touch has not been called for that long, so
	// that a conversion nobody watches any more does not run to the end.
	// Zero means no kill timer.
	Idle time.Duration
	// Grace is how long Stop waits after "q" before killing the job.
	// Zero means three seconds.
	Grace time.Duration
}

// Running reports how many counted jobs are running.
func (r *Runner) Running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running
}

// Start starts ffmpeg with args. The job is killed, with its whole process
// group, when ctx ends. The caller must read Stdout to its end (or stop the
// job) and then call Wait.
func (r *Runner) Start(ctx context.Context, owner string, args []string, opts JobOptions) (*Job, error) {
	return r.start(ctx, r.ffmpeg(), owner, args, opts, true)
}

// Run runs a short ffmpeg command and returns its stdout.
func (r *Runner) Run(ctx context.Context, owner string, args []string) ([]byte, error) {
	return r.run(ctx, r.ffmpeg(), owner, args, nil, true)
}

func (r *Runner) run(ctx context.Context, program, owner string, args []string, stdin io.Reader, counted bool) ([]byte, error) {
	j, err := r.start(ctx, program, owner, args, JobOptions{Stdin: stdin}, counted)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	_, copyErr := io.Copy(&out, j.Stdout())
	if err := j.Wait(); err != nil {
		return out.Bytes(), err
	}
	if copyErr != nil {
		return out.Bytes(), fmt.Errorf("media: %s (%s): read output: %w", program, owner, copyErr)
	}
	return out.Bytes(), nil
}

func (r *Runner) ffmpeg() string {
	if r.FFmpeg != "" {
		return r.FFmpeg
	}
	return "ffmpeg"
}

func (r *Runner) ffprobe() string {
	if r.FFprobe != "" {
		return r.FFprobe
	}
	return "ffprobe"
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// acquire takes a job slot, or reports that there is none.
func (r *Runner) acquire() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.MaxJobs > 0 && r.running >= r.MaxJobs {
		return false
	}
	r.running++
	return true
}

func (r *Runner) release() {
	r.mu.Lock()
	r.running--
	r.mu.Unlock()
}

func (r *Runner) start(ctx context.Context, program, owner string, args []string, opts JobOptions, counted bool) (*Job, error) {
	if counted && !r.acquire() {
		return nil, hypertube.Errorf(hypertube.EUNAVAILABLE, "Too many conversions are running; try again in a minute.")
	}
	j, err := r.spawn(ctx, program, owner, args, opts, counted)
	if err != nil && counted {
		r.release()
	}
	return j, err
}

func (r *Runner) spawn(ctx context.Context, program, owner string, args []string, opts JobOptions, counted bool) (*Job, error) {
	if opts.Grace <= 0 {
		opts.Grace = defaultGrace
	}
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.SysProcAttr = procAttr()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay

	j := &Job{
		runner:  r,
		owner:   owner,
		program: program,
		ctx:     ctx,
		cmd:     cmd,
		stderr:  newTailBuffer(stderrTail),
		idle:    opts.Idle,
		grace:   opts.Grace,
		counted: counted,
		done:    make(chan struct{}),
	}
	cmd.Stderr = j.stderr

	// Our own pipes rather than cmd.StdoutPipe: the process is reaped in the
	// background as soon as it exits, and StdoutPipe would then be closed
	// under a reader that has not read the last buffered bytes yet.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("media: stdout pipe: %w", err)
	}
	cmd.Stdout = stdoutW
	var stdinR *os.File
	if opts.Stdin != nil {
		cmd.Stdin = opts.Stdin
	} else {
		stdinR, j.stdin, err = os.Pipe()
		if err != nil {
			stdoutR.Close()
			stdoutW.Close()
			return nil, fmt.Errorf("media: stdin pipe: %w", err)
		}
		cmd.Stdin = stdinR
	}
	j.stdout = stdoutR

	err = cmd.Start()
	// The child has its own copies; the parent's ends must go so that the
	// reader sees EOF when the child exits.
	stdoutW.Close()
	if stdinR != nil {
		stdinR.Close()
	}
	if err != nil {
		stdoutR.Close()
		if j.stdin != nil {
			j.stdin.Close()
		}
		return nil, fmt.Errorf("media: start %s (%s): %w", program, owner, err)
	}
	j.started = time.Now()
	r.logger().Debug("media job started", "owner", owner, "program", program, "pid", cmd.Process.Pid, "args", args)
	if j.idle > 0 {
		j.timer = time.AfterFunc(j.idle, j.expire)
	}
	go j.reap()
	return j, nil
}

// killGroup signals every process of the group led by pid.
func killGroup(pid int, sig syscall.Signal) error {
	err := syscall.Kill(-pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}
