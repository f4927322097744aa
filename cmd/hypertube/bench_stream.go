package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hypertube/hypertube/torrent"
)

// benchFirstByte times a Range request for the film's first byte from a
// fresh server, from the moment the film is added through the site's form.
func benchFirstByte(ctx context.Context, b *bench) ([]*benchMetric, error) {
	known := &benchMetric{Name: "first byte, .torrent known", Unit: "s", Goal: atMost(1),
		Note: ".torrent uploaded to the add form, peers from its tracker"}
	bare := &benchMetric{Name: "first byte, bare magnet", Unit: "s", Goal: atMost(2),
		Note: "magnet with tr= pasted in the add form, metadata from the seeder"}
	metrics := []*benchMetric{known, bare}
	sw, err := startSwarm(ctx, b.log, 0, b.big)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	t := sw.torrents[0]
	err = b.eachRun(ctx, "first byte", 3*time.Minute, func(ctx context.Context, run int) error {
		for _, m := range []*benchMetric{known, bare} {
			site, err := b.newSite(ctx)
			if err != nil {
				return err
			}
			start := time.Now()
			var id int64
			if m == known {
				id, err = site.addTorrentFile(ctx, t.file)
			} else {
				id, err = site.addMagnet(ctx, t.magnet)
			}
			if err == nil {
				err = readFirstByte(ctx, site, id)
			}
			d := time.Since(start)
			b.closeSite(site)
			b.record(m, d, err)
		}
		return nil
	})
	return metrics, err
}

func readFirstByte(ctx context.Context, site *benchSite, id int64) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := site.get(ctx, id, 0)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, err = io.ReadFull(res.Body, make([]byte, 1))
	return mustNotEnd(err, "the stream")
}

// record adds a run's duration, or counts the run as failed.
func (b *bench) record(m *benchMetric, d time.Duration, err error) {
	if err != nil {
		b.progress("    %s: %v", m.Name, err)
		m.Failed++
		return
	}
	m.addDuration(d)
}

// benchStream compares a viewer reading the whole film through the site as
// fast as it can with DownloadAll of the same torrent on a fresh engine.
func benchStream(ctx context.Context, b *bench) ([]*benchMetric, error) {
	streaming := &benchMetric{Name: "streaming download speed", Unit: "MB/s", Note: "one reader, start to end, via the site; .torrent uploaded"}
	whole := &benchMetric{Name: "whole-torrent download speed", Unit: "MB/s", Note: "DownloadAll, engine set up as serve's"}
	ratio := &benchMetric{Name: "streaming ÷ whole", Unit: "×", Goal: atLeast(0.8)}
	metrics := []*benchMetric{streaming, whole, ratio}
	sw, err := startSwarm(ctx, b.log, 0, b.big)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	size := float64(b.big.Size)
	err = b.eachRun(ctx, "streaming vs whole", 10*time.Minute, func(ctx context.Context, run int) error {
		var ds, dw time.Duration
		var errS, errW error
		measures := []func(){
			func() { ds, errS = timeStream(ctx, b, sw) },
			func() { dw, errW = timeDownloadAll(ctx, b, sw) },
		}
		if run%2 == 1 { // alternate, so that neither always gets a warmer cache
			measures[0], measures[1] = measures[1], measures[0]
		}
		for _, m := range measures {
			m()
		}
		if errS != nil || errW != nil {
			b.record(streaming, 0, errS)
			b.record(whole, 0, errW)
			ratio.Failed++
			return nil
		}
		streaming.add(size / ds.Seconds() / 1e6)
		whole.add(size / dw.Seconds() / 1e6)
		ratio.add(dw.Seconds() / ds.Seconds())
		return nil
	})
	return metrics, err
}

func timeStream(ctx context.Context, b *bench, sw *benchSwarm) (time.Duration, error) {
	site, err := b.newSite(ctx)
	if err != nil {
		return 0, err
	}
	defer b.closeSite(site)
	start := time.Now()
	id, err := site.addTorrentFile(ctx, sw.torrents[0].file)
	if err != nil {
		return 0, err
	}
	res, err := site.get(ctx, id, 0)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		return 0, err
	}
	if n != b.big.Size {
		return 0, fmt.Errorf("the stream gave %d bytes of %d", n, b.big.Size)
	}
	return time.Since(start), nil
}

// timeDownloadAll downloads the whole torrent with an engine set up as
// serve sets up its own: the site has no "download everything" button, and
// this is the speed streaming is held to.
func timeDownloadAll(ctx context.Context, b *bench, sw *benchSwarm) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "hypertube-bench-whole-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	engine, err := torrent.NewEngine(torrent.Config{
		DataDir: filepath.Join(dir, "torrents"), StateDir: filepath.Join(dir, "state"),
		ListenAddr: "127.0.0.1:0", NoDHT: true, NoPEX: true, NoUTP: true, Seed: true,
		Logger: b.log.With("peer", "whole"),
	})
	if err != nil {
		return 0, err
	}
	defer engine.Close()
	start := time.Now()
	ih, err := engine.AddTorrent(ctx, sw.torrents[0].file)
	if err != nil {
		return 0, err
	}
	if err := engine.DownloadAll(ctx, ih); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// benchMemory reads the film with 1, 10 and 20 streams at once, each from
// its own place in the film, and records the process's peak memory.
func benchMemory(ctx context.Context, b *bench) ([]*benchMetric, error) {
	var metrics []*benchMetric
	sw, err := startSwarm(ctx, b.log, 0, b.big)
	if err != nil {
		return metrics, err
	}
	defer sw.Close()
	for _, n := range []int{1, 10, 20} {
		rss := &benchMetric{Name: fmt.Sprintf("memory, %d stream(s): VmRSS growth", n), Unit: "MiB",
			Note: "peak over the started server's; serve + seeder + readers, with film pages kept mmapped"}
		anon := &benchMetric{Name: fmt.Sprintf("memory, %d stream(s): RssAnon", n), Unit: "MiB",
			Note: "peak, whole process: serve, the bench's seeder and readers; no file pages"}
		metrics = append(metrics, rss, anon)
		err := b.eachRun(ctx, fmt.Sprintf("memory, %d stream(s)", n), 10*time.Minute, func(ctx context.Context, run int) error {
			peakRSS, peakAnon, err := readConcurrently(ctx, b, sw, n)
			if err != nil {
				b.record(rss, 0, err)
				anon.Failed++
				return nil
			}
			rss.add(float64(peakRSS) / (1 << 20))
			anon.add(float64(peakAnon) / (1 << 20))
			return nil
		})
		if err != nil {
			return metrics, err
		}
	}
	return metrics, nil
}

// readConcurrently splits the film among n readers of a fresh site and
// returns how far VmRSS grew over its value before they started, and the
// peak RssAnon. Serve runs in this process, so both figures include the
// bench's seeder and readers as well as the server. Growth rather than
// VmRSS itself: anacrolix v1.59.1 never unmaps a film it mapped, even once
// its engine is closed, so earlier runs' films stay in VmRSS.
func readConcurrently(ctx context.Context, b *bench, sw *benchSwarm, n int) (rss, anon int64, err error) {
	debug.FreeOSMemory() // start from what is live, not from earlier phases' garbage
	site, err := b.newSite(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer b.closeSite(site)
	id, err := site.addTorrentFile(ctx, sw.torrents[0].file)
	if err != nil {
		return 0, 0, err
	}
	base, _, err := readMemory()
	if err != nil {
		return 0, 0, err
	}
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if r, a, err := readMemory(); err == nil {
				rss, anon = max(rss, r), max(anon, a)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	part := b.big.Size / int64(n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := site.get(ctx, id, int64(i)*part)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			_, err = io.CopyN(io.Discard, res.Body, part)
			errs[i] = mustNotEnd(err, "a stream")
		})
	}
	wg.Wait()
	close(done)
	<-sampled
	for _, err := range errs {
		if err != nil {
			return 0, 0, err
		}
	}
	return rss - base, anon, nil
}
