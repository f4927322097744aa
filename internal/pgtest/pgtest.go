// Package pgtest gives each test a fresh, empty PostgreSQL database.
//
// With HYPERTUBE_TEST_DATABASE_URL set, the databases are created on that
// server. Otherwise the first call starts a throwaway cluster from the
// PostgreSQL binaries installed on the machine, shared by the whole test
// binary and stopped by Main. PostgreSQL tests never skip: a machine without
// PostgreSQL fails them, with a message saying what to install or set.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvURL names the variable that points the tests at an existing server.
// Its user must be allowed to create databases.
const EnvURL = "HYPERTUBE_TEST_DATABASE_URL"

var (
	mainRunning atomic.Bool
	startOnce   sync.Once
	shared      *cluster
	sharedErr   error
)

// Main runs the tests, then stops the cluster that URL may have started.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	mainRunning.Store(true)
	code := m.Run()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	os.Exit(code)
}

// URL returns the URL of a new, empty database that is dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	admin, err := serverURL()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := "hypertube_test_" + randomHex(8)
	// An identifier cannot be a parameter; name is ours, lowercase hex.
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		t.Fatalf("pgtest: create database on %s: %v", redact(admin), err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE ends the connections a test left open (PostgreSQL 13+).
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
				t.Errorf("pgtest: drop database %s: %v", name, err)
			}
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func serverURL() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	if !mainRunning.Load() {
		return "", errors.New("no PostgreSQL server: set " + EnvURL +
			", or call pgtest.Main(m) from TestMain so that a throwaway cluster can be started and stopped")
	}
	startOnce.Do(func() { shared, sharedErr = startCluster() })
	if sharedErr != nil {
		return "", sharedErr
	}
	return shared.url, nil
}

type cluster struct {
	dir   string // temporary directory: data/, the socket, the log
	bin   string // directory of initdb and pg_ctl
	runAs []string
	url   string
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func startCluster() (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		if err := c.handToPostgresUser(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
			port, dir)
		out, err := c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(dir, "postgres.log"),
			"-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			c.watchParent()
			return c, nil
		}
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		// Another process may have taken the port since freePort closed it.
		if attempt < 3 && strings.Contains(string(log), "could not bind") {
			continue
		}
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, tail(log, 2000))
	}
}

// handToPostgresUser makes the commands run as the postgres user, who must
// own the cluster's directory.
func (c *cluster) handToPostgresUser() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return errors.New("running as root, and there is no postgres user to run PostgreSQL as: install the postgresql package or set " + EnvURL)
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		return errors.New("running as root, and runuser is missing: cannot start PostgreSQL as the postgres user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(c.dir, uid, gid); err != nil {
		return err
	}
	c.runAs = []string{runuser, "-u", "postgres", "--"}
	return nil
}

func (c *cluster) command(name string, args ...string) *exec.Cmd {
	argv := append(append(append([]string{}, c.runAs...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir // the postgres user may not be able to enter ours
	return cmd
}

func (c *cluster) run(name string, args ...string) ([]byte, error) {
	return c.command(name, args...).CombinedOutput()
}

// watchParent starts a small shell that stops the cluster once this test
// binary is gone, so that a binary killed by a test timeout, which never
// returns to Main, does not leave PostgreSQL running.
func (c *cluster) watchParent() {
	stop := c.command("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
	script := `pid=$1; dir=$2; shift 2
while kill -0 "$pid" 2>/dev/null; do sleep 1; done
"$@" >/dev/null 2>&1
rm -rf "$dir"`
	args := append([]string{"-c", script, "pgtest-watch", strconv.Itoa(os.Getpid()), c.dir}, stop.Args...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.Dir = os.TempDir()
	// Its own process group, so that the signal ending the test binary does
	// not end the watcher before it has cleaned up.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err == nil {
		cmd.Process.Release()
	}
}

func (c *cluster) stop() error {
	out, err := c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
	rmErr := os.RemoveAll(c.dir)
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return rmErr
}

// findBinDir returns the bin directory of the newest PostgreSQL installed
// under /usr/lib/postgresql, else the one of initdb on PATH.
func findBinDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	version := func(p string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(filepath.Dir(p))), 64)
		return v
	}
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb, no initdb on PATH): install it or set " + EnvURL)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// redact hides the password of a URL that goes into a test log.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
