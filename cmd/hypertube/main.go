// Command hypertube is the Hypertube server and its tools: serve, seed,
// fetch and tracker.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hypertube/hypertube"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// env is what a subcommand may use of the process, so that tests can run a
// whole subcommand in-process.
type env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, e env) error
}

func commands() []command {
	return []command{
		{"serve", "run the web site (the default)", runServe},
		{"seed", "make torrents of files and seed them", runSeed},
		{"fetch", "download a torrent from a magnet or .torrent file", runFetch},
		{"tracker", "run a standalone BitTorrent tracker (HTTP and UDP)", runTracker},
		{"bench", "measure streaming on loopback: first byte, Play, seek, speed, memory, stalls", runBench},
	}
}

// usageError marks errors caused by bad command-line input (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{Getenv: getenv, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	name, rest := "serve", []string{}
	if len(args) > 1 {
		name, rest = args[1], args[2:]
	}
	if name == "-h" || name == "--help" || name == "help" {
		printUsage(stdout)
		return 0
	}
	if len(name) > 0 && name[0] == '-' { // flags only: serve
		name, rest = "serve", args[1:]
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, rest, e)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "hypertube %s: %v\n", name, err)
			return 2
		case hypertube.ErrorCode(err) != hypertube.EINTERNAL:
			// Our own errors carry a message meant for people: show just that.
			fmt.Fprintf(stderr, "hypertube %s: %s\n", name, hypertube.ErrorMessage(err))
			return 1
		default:
			fmt.Fprintf(stderr, "hypertube %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "hypertube: unknown command %q\n", name)
	printUsage(stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: hypertube [command] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'hypertube COMMAND --help' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, usage string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "Usage: hypertube %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, turning a parse failure into a usageError.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}
