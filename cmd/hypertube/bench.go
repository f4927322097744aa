package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hypertube/hypertube/media"
)

const benchUsage = `[flags]

Measures what a viewer feels, on loopback (127.0.0.1) only: time to first
byte, Play and seek in headless Chromium, download speed against aria2c,
streaming against whole-torrent download, memory per stream and stalls with
many viewers. Each run starts a fresh 'hypertube serve' in this process,
signs up a bench user and adds the films through the site's own form; a
seeder and tracker in this process are the swarm. Films are generated with
ffmpeg and kept in --work. Prints the median, min and max of --runs runs of
each figure next to its goal.`

type benchPhase struct {
	name string
	run  func(ctx context.Context, b *bench) ([]*benchMetric, error)
}

// benchPhases returns the parts of the benchmark, in the order they run.
// A function, not a variable: the phases start serve through run, whose
// command list includes bench itself, an initialisation cycle for a var.
func benchPhases() []benchPhase {
	return []benchPhase{
		{"firstbyte", benchFirstByte},
		{"play", benchPlay},
		{"convert", benchConvert},
		{"download", benchDownload},
		{"stream", benchStream},
		{"memory", benchMemory},
		{"viewers", benchViewers},
	}
}

type benchConfig struct {
	runs    int
	sizeMB  int
	work    string
	only    []string
	json    bool
	watch   time.Duration // how long each viewer of the viewers phase watches
	viewers int
	tabs    int // viewers that are Chromium tabs; the others are paced HTTP readers
}

// bench is what the phases share.
type bench struct {
	cfg      benchConfig
	log      *slog.Logger // the swarm's engines and tracker
	logs     io.Writer    // where the servers under test log
	logLevel string       // theirs: --log-level of serve
	out      io.Writer    // progress lines for the person waiting
	runner   *media.Runner
	big      benchFilm // the film of the download race
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.out, "bench: "+format+"\n", args...)
}

func parseBenchFlags(args []string, e env) (benchConfig, error) {
	c := benchConfig{}
	fset := newFlagSet("bench", benchUsage, e)
	fset.IntVar(&c.runs, "runs", 5, "run each measurement `N` times")
	fset.IntVar(&c.sizeMB, "size", 200, "size of the download-race film in `MB`")
	fset.StringVar(&c.work, "work", filepath.Join(os.TempDir(), "hypertube-bench"), "folder that keeps the generated films between runs")
	only := fset.String("only", "", "run only these phases, comma-separated: "+benchPhaseNames())
	fset.BoolVar(&c.json, "json", false, "print JSON instead of a table")
	fset.DurationVar(&c.watch, "watch", 20*time.Second, "how long each viewer of the viewers phase watches")
	fset.IntVar(&c.viewers, "viewers", 20, "viewers in the viewers phase")
	fset.IntVar(&c.tabs, "tabs", 5, "how many of the viewers are Chromium tabs; the rest read over HTTP at the film's bitrate")
	if err := parseCommandLine(fset, benchUsage, args, e); err != nil {
		return c, err
	}
	switch {
	case fset.NArg() > 0:
		return c, usageError{fmt.Sprintf("unexpected argument %q", fset.Arg(0))}
	case c.runs < 1 || c.runs > 100:
		return c, usageError{"--runs must be between 1 and 100"}
	case c.sizeMB < 1 || c.sizeMB > 3000:
		return c, usageError{"--size must be between 1 and 3000 (MB)"}
	case c.watch < time.Second || c.watch > 10*time.Minute:
		return c, usageError{"--watch must be between 1s and 10m"}
	case c.viewers < 1 || c.viewers > 100:
		return c, usageError{"--viewers must be between 1 and 100"}
	case c.tabs < 0 || c.tabs > c.viewers:
		return c, usageError{"--tabs must be between 0 and --viewers"}
	}
	for _, p := range strings.Split(*only, ",") {
		p = strings.TrimSpace(strings.ToLower(p))
		if p == "" {
			continue
		}
		if !slices.ContainsFunc(benchPhases(), func(ph benchPhase) bool { return ph.name == p }) {
			return c, usageError{fmt.Sprintf("--only: unknown phase %q; the phases are %s", p, benchPhaseNames())}
		}
		c.only = append(c.only, p)
	}
	return c, nil
}

func benchPhaseNames() string {
	var names []string
	for _, p := range benchPhases() {
		names = append(names, p.name)
	}
	return strings.Join(names, ",")
}

// runBench runs the chosen phases and prints their figures. A phase that
// fails is reported and the others still run; the command then fails.
func runBench(ctx context.Context, args []string, e env) error {
	cfg, err := parseBenchFlags(args, e)
	if err != nil {
		return err
	}
	b := &bench{
		cfg:      cfg,
		log:      commandLogger(e, slog.LevelError),
		logs:     e.Stderr,
		logLevel: "error",
		out:      e.Stderr,
		runner:   &media.Runner{Logger: commandLogger(e, slog.LevelWarn)},
	}
	if lvl := e.Getenv("HYPERTUBE_LOG_LEVEL"); lvl != "" {
		b.logLevel = lvl
	}
	// Packages that log through the default logger (stream) would fill the
	// terminal over the dozens of servers the benchmark starts.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(b.log)
	if err := os.MkdirAll(cfg.work, 0o755); err != nil {
		return fmt.Errorf("cannot create the work folder: %w", err)
	}
	if b.wants("firstbyte", "play", "download", "stream", "memory") {
		b.progress("preparing the %d MB film in %s (ffmpeg; kept for later runs)", cfg.sizeMB, cfg.work)
		if b.big, err = makeBigFilm(ctx, b.runner, cfg.work, cfg.sizeMB); err != nil {
			return err
		}
	}
	report := benchReport{Runs: cfg.runs, Film: b.big.summary(), Started: time.Now()}
	var failed []string
	for _, p := range benchPhases() {
		if !b.wants(p.name) {
			continue
		}
		b.progress("phase %s", p.name)
		metrics, err := p.run(ctx, b)
		report.Metrics = append(report.Metrics, metrics...)
		if err != nil {
			if ctx.Err() != nil {
				return errors.New("interrupted")
			}
			b.progress("phase %s failed: %v", p.name, err)
			report.Errors = append(report.Errors, p.name+": "+err.Error())
			failed = append(failed, p.name)
		}
	}
	if cfg.json {
		err = report.writeJSON(e.Stdout)
	} else {
		err = report.writeTable(e.Stdout)
	}
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("phases failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

func (b *bench) wants(phases ...string) bool {
	if len(b.cfg.only) == 0 {
		return true
	}
	for _, p := range phases {
		if slices.Contains(b.cfg.only, p) {
			return true
		}
	}
	return false
}

// closeSite stops a site, reporting a server that did not stop cleanly.
func (b *bench) closeSite(site *benchSite) {
	if err := site.Close(); err != nil {
		b.progress("    %v", err)
	}
}

// eachRun calls measure once per run with a deadline, stopping at the first
// error: a broken setup would fail every run the same way.
func (b *bench) eachRun(ctx context.Context, what string, perRun time.Duration, measure func(ctx context.Context, run int) error) error {
	for i := range b.cfg.runs {
		b.progress("  %s: run %d/%d", what, i+1, b.cfg.runs)
		runCtx, cancel := context.WithTimeout(ctx, perRun)
		err := measure(runCtx, i)
		cancel()
		if err != nil {
			return fmt.Errorf("%s, run %d: %w", what, i+1, err)
		}
	}
	return nil
}
