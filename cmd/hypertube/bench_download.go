package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// benchDownload races `hypertube fetch` against aria2c for the same film,
// from the same seeder, each told only the .torrent file (which names our
// tracker).
func benchDownload(ctx context.Context, b *bench) ([]*benchMetric, error) {
	fetch := &benchMetric{Name: "download, hypertube fetch", Unit: "s", Note: "in-process, same code as the command"}
	aria := &benchMetric{Name: "download, aria2c", Unit: "s"}
	ratio := &benchMetric{Name: "fetch ÷ aria2c", Unit: "×", Goal: atMost(1)}
	metrics := []*benchMetric{fetch, aria, ratio}
	if _, err := exec.LookPath("aria2c"); err != nil {
		return metrics, fmt.Errorf("aria2c is needed for the download race (apt-get install aria2): %w", err)
	}
	sw, err := startSwarm(ctx, b.log, 0, b.big)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	torrentFile := filepath.Join(sw.dir, "film.torrent")
	if err := os.WriteFile(torrentFile, sw.torrents[0].file, 0o644); err != nil {
		return metrics, err
	}
	err = b.eachRun(ctx, "fetch vs aria2c", 20*time.Minute, func(ctx context.Context, run int) error {
		var df, da time.Duration
		var errF, errA error
		measures := []func(){
			func() { df, errF = timeFetch(ctx, b, sw.dir, torrentFile) },
			func() { da, errA = timeAria2c(ctx, b, sw.dir, torrentFile) },
		}
		if run%2 == 1 {
			measures[0], measures[1] = measures[1], measures[0]
		}
		for _, m := range measures {
			m()
		}
		b.record(fetch, df, errF)
		b.record(aria, da, errA)
		if errF != nil || errA != nil {
			ratio.Failed++
			return nil
		}
		ratio.add(df.Seconds() / da.Seconds())
		return nil
	})
	return metrics, err
}

// timeFetch runs the fetch subcommand in-process: building or finding the
// binary would tie the benchmark to how it was started.
func timeFetch(ctx context.Context, b *bench, dir, torrentFile string) (time.Duration, error) {
	out, err := os.MkdirTemp(dir, "fetch-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	var stderr strings.Builder
	e := env{Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: &stderr, Stderr: &stderr}
	start := time.Now()
	err = runFetch(ctx, []string{"--out", out, "--addr", "127.0.0.1:0", "--no-dht", "--timeout", "1m", torrentFile}, e)
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("hypertube fetch: %w (%s)", err, lastLine(stderr.String()))
	}
	return d, checkDownloaded(out, b.big)
}

func timeAria2c(ctx context.Context, b *bench, dir, torrentFile string) (time.Duration, error) {
	out, err := os.MkdirTemp(dir, "aria2c-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	cmd := exec.CommandContext(ctx, "aria2c", aria2cArgs(out, torrentFile)...)
	// Its own process group, killed whole when ctx ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("aria2c: %w (%s)", err, lastLine(output.String()))
	}
	return d, checkDownloaded(out, b.big)
}

// aria2cArgs makes aria2c download like fetch does: TCP to the peers our
// tracker names, no DHT, no local discovery, no seeding afterwards.
func aria2cArgs(out, torrentFile string) []string {
	return []string{
		"--dir=" + out, "--seed-time=0", "--enable-dht=false", "--enable-dht6=false",
		"--bt-enable-lpd=false", "--enable-peer-exchange=false", "--disable-ipv6=true",
		"--file-allocation=none", "--summary-interval=0", "--console-log-level=warn",
		"--download-result=hide", "--bt-stop-timeout=120", "--listen-port=49152-65000",
		torrentFile,
	}
}

// checkDownloaded makes sure a tool wrote the whole film; the tools verify
// the pieces themselves.
func checkDownloaded(out string, f benchFilm) error {
	fi, err := os.Stat(filepath.Join(out, filepath.Base(f.Path)))
	if err != nil {
		return fmt.Errorf("the film is not where it should be: %w", err)
	}
	if fi.Size() != f.Size {
		return fmt.Errorf("the downloaded film has %d bytes, want %d", fi.Size(), f.Size)
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
