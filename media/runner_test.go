package media_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

// endless makes ffmpeg run until it is stopped, at real-time speed.
var endless = []string{"-hide_banner", "-nostats", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "null", "-"}

// groupAlive lists the live (not zombie) processes of process group pgid.
func groupAlive(t *testing.T, pgid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var alive []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces, so split after ")".
		i := bytes.LastIndexByte(stat, ')')
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) < 3 || fields[0] == "Z" || fields[2] != strconv.Itoa(pgid) {
			continue
		}
		alive = append(alive, e.Name()+" "+string(stat[:i+1]))
	}
	return alive
}

// waitGroupGone fails the test unless group pgid empties within a generous
// deadline.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		alive := groupAlive(t, pgid)
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of group %d survive: %q", pgid, alive)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDone fails the test if job does not end within a generous deadline.
func waitDone(t *testing.T, j *media.Job) error {
	t.Helper()
	select {
	case <-j.Done():
		return j.Wait()
	case <-time.After(15 * time.Second):
		t.Fatalf("job %s still runs", j.Owner())
		return nil
	}
}

func TestCancelKillsWholeGroup(t *testing.T) {
	// A shell with two children stands in for ffmpeg with helpers: killing
	// only the shell would leave the sleeps behind holding its pipes.
	r := &media.Runner{FFmpeg: "/bin/sh"}
	ctx, cancel := context.WithCancel(context.Background())
	j, err := r.Start(ctx, "cancel test", []string{"-c", "sleep 300 & sleep 300 & echo started; wait"}, media.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	line := make([]byte, len("started\n"))
	if _, err := io.ReadFull(j.Stdout(), line); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(groupAlive(t, j.Pid())) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("group has %q, want the shell and two sleeps", groupAlive(t, j.Pid()))
		}
		time.Sleep(10 * time.Millisecond)
	}

	cancel()
	err = waitDone(t, j)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled in the chain", err)
	}
	waitGroupGone(t, j.Pid())
	if n := r.Running(); n != 0 {
		t.Errorf("Running = %d after the job ended, want 0", n)
	}
}

func TestMaxJobs(t *testing.T) {
	r := &media.Runner{MaxJobs: 2}
	ctx := context.Background()
	var jobs []*media.Job
	for i := range 2 {
		j, err := r.Start(ctx, "viewer "+strconv.Itoa(i), endless, media.JobOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Stop()
		jobs = append(jobs, j)
	}

	start := time.Now()
	j, err := r.Start(ctx, "one too many", endless, media.JobOptions{})
	if err == nil {
		j.Stop()
		t.Fatal("third job started past MaxJobs")
	}
	if code := hypertube.ErrorCode(err); code != hypertube.EUNAVAILABLE {
		t.Errorf("code = %q (%v), want %q", code, err, hypertube.EUNAVAILABLE)
	}
	if !strings.Contains(hypertube.ErrorMessage(err), "try again") {
		t.Errorf("message = %q", hypertube.ErrorMessage(err))
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("refusal took %v; it must not wait for a slot", waited)
	}
	// Probes do not count against the cap.
	if _, err := r.Probe(ctx, "/nonexistent"); hypertube.ErrorCode(err) == hypertube.EUNAVAILABLE {
		t.Errorf("Probe refused while jobs were full: %v", err)
	}

	jobs[0].Stop()
	j, err = r.Start(ctx, "after a slot freed", endless, media.JobOptions{})
	if err != nil {
		t.Fatalf("Start after Stop: %v", err)
	}
	j.Stop()
}

func TestIdleKillsUntouchedJob(t *testing.T) {
	r := &media.Runner{}
	const idle = 400 * time.Millisecond
	j, err := r.Start(context.Background(), "idle viewer", endless, media.JobOptions{Idle: idle})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Stop()

	// Touched well within the idle time, the job lives on past it.
	for range 20 {
		j.Touch()
		time.Sleep(idle / 8)
		select {
		case <-j.Done():
			t.Fatalf("job died while touched: %v", j.Wait())
		default:
		}
	}
	err = waitDone(t, j)
	if !errors.Is(err, media.ErrIdle) {
		t.Errorf("Wait = %v, want ErrIdle in the chain", err)
	}
	waitGroupGone(t, j.Pid())
}

func TestStopLetsFFmpegFinishTheFile(t *testing.T) {
	// An MP4 gets its index only when ffmpeg closes it: a killed ffmpeg
	// leaves a file nobody can play, a stopped one does not.
	out := filepath.Join(t.TempDir(), "stopped.mp4")
	args := []string{"-hide_banner", "-nostats", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-c:v", "libx264", "-preset", "ultrafast", "-f", "mp4", "file:" + out}
	r := &media.Runner{}
	j, err := r.Start(context.Background(), "stop test", args, media.JobOptions{Grace: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	j.Stop()
	if err := j.Wait(); err != nil {
		t.Fatalf("Wait after Stop = %v, want a clean exit", err)
	}
	p, err := r.Probe(context.Background(), out)
	if err != nil {
		t.Fatalf("stopped output is not playable: %v", err)
	}
	if p.Duration <= 0 || p.Video() == nil {
		t.Errorf("probe of stopped output = %+v", p)
	}
}

func TestStopKillsAfterGrace(t *testing.T) {
	// The shell never reads the "q": it must be killed once the grace ends.
	r := &media.Runner{FFmpeg: "/bin/sh"}
	j, err := r.Start(context.Background(), "deaf", []string{"-c", "trap '' INT; sleep 300"},
		media.JobOptions{Grace: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { j.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(15 * time.Second):
		t.Fatal("Stop did not return")
	}
	if err := j.Wait(); !errors.Is(err, media.ErrStopped) {
		t.Errorf("Wait = %v, want ErrStopped in the chain", err)
	}
	waitGroupGone(t, j.Pid())
}

func TestStderrIsCapped(t *testing.T) {
	r := &media.Runner{FFmpeg: "/bin/sh"}
	// About 1 MB of noise, then the line that explains the failure.
	script := `yes 'frame=  123 fps= 25 q=28.0 size=    256kB time=00:00:05.00' | head -c 1000000 >&2; echo 'the real reason' >&2; exit 3`
	j, err := r.Start(context.Background(), "noisy", []string{"-c", script}, media.JobOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = waitDone(t, j)
	var exit *media.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("Wait = %v, want *media.ExitError", err)
	}
	if n := len(exit.Stderr); n != 64<<10 {
		t.Errorf("kept %d bytes of stderr, want 64 KiB", n)
	}
	if !bytes.HasSuffix(exit.Stderr, []byte("the real reason\n")) {
		t.Errorf("stderr tail ends with %q", exit.Stderr[max(0, len(exit.Stderr)-40):])
	}
	if msg := err.Error(); !strings.Contains(msg, "the real reason") || !strings.Contains(msg, "noisy") || len(msg) > 2048 {
		t.Errorf("error message (%d bytes) = %.300q…", len(msg), msg)
	}
}

func TestRunReturnsStdout(t *testing.T) {
	r := &media.Runner{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := r.Run(ctx, "frame", []string{"-hide_banner", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48",
		"-frames:v", "1", "-c:v", "png", "-f", "image2pipe", "pipe:1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("output starts with %q, want a PNG", out[:min(len(out), 8)])
	}

	_, err = r.Run(ctx, "broken", []string{"-hide_banner", "-i", "file:/nonexistent/film.mkv"})
	var exit *media.ExitError
	if !errors.As(err, &exit) || !strings.Contains(err.Error(), "No such file") {
		t.Errorf("Run of a missing input = %v, want an ExitError quoting ffmpeg", err)
	}
}

func TestStartMissingProgram(t *testing.T) {
	r := &media.Runner{FFmpeg: "/nonexistent/ffmpeg", MaxJobs: 1}
	for range 2 { // a failed start must give its slot back
		if _, err := r.Start(context.Background(), "nobody", nil, media.JobOptions{}); err == nil ||
			hypertube.ErrorCode(err) == hypertube.EUNAVAILABLE {
			t.Fatalf("Start = %v, want a start error", err)
		}
	}
}

// orphanParent makes the test binary a server that starts a job, prints
// its pid and waits to be killed.
const orphanParent = "HYPERTUBE_TEST_ORPHAN_PARENT"

func runOrphanParent() {
	r := &media.Runner{FFmpeg: "/bin/sleep"}
	j, err := r.Start(context.Background(), "orphan test", []string{"300"}, media.JobOptions{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(j.Pid())
	select {}
}

// A server killed with SIGKILL cannot kill its jobs' groups: the kernel
// does, since the job asked to die with its parent.
func TestJobDiesWithKilledServer(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), orphanParent+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("the parent said %q", line)
	}
	if len(groupAlive(t, pid)) != 1 {
		t.Fatalf("job %d is not running: %q", pid, groupAlive(t, pid))
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitGroupGone(t, pid)
}
