package torrent

import (
	"context"
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/torrent"

	"github.com/hypertube/hypertube"
)

// Readahead was the fixed window of earlier versions.
//
// Deprecated: windows are now sized by ReadaheadFor from the film's bitrate
// and the measured download rate, between MinReadahead and MaxReadahead.
const Readahead = 16 << 20

// OpenFile opens a reader over file index of the torrent, waiting for the
// metadata until ctx ends. Reads give up when ctx ends.
//
// The piece under the reader comes first, then its readahead window (see
// ReadaheadFor, resized every second), and the rest of the file keeps
// downloading at normal priority for as long as the torrent is in memory.
// For Matroska/WebM files and MP4s whose index sits at the end, that index
// is fetched right after the piece under the reader (see MoovAtEnd). Each
// reader is independent: reads take no engine-wide lock. Close drops the
// reader's priorities.
func (e *Engine) OpenFile(ctx context.Context, infoHash string, index int) (hypertube.TorrentReader, error) {
	ent, done, err := e.claim(infoHash)
	if err != nil {
		return nil, err
	}
	r, err := e.openFile(ctx, ent, index, done)
	if err != nil {
		done()
		return nil, err
	}
	return r, nil
}

func (e *Engine) openFile(ctx context.Context, ent *entry, index int, done func()) (*fileReader, error) {
	if err := e.waitInfo(ctx, ent); err != nil {
		return nil, err
	}
	files := ent.t.Files()
	if index < 0 || index >= len(files) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "this torrent has no file number %d", index)
	}
	f := files[index]
	r := &fileReader{e: e, ent: ent, key: fileKey{ent.hash, index}, offset: f.Offset(), length: f.Length(), done: done}
	down, _ := ent.rates(ent.counters(time.Now()))
	r.window.Store(ReadaheadFor(e.bitrate(r.key, r.length), down))
	r.r = f.NewReader()
	r.r.SetContext(ctx)
	r.r.SetResponsive()
	r.r.SetReadaheadFunc(r.readahead)
	// The index before Download, so that it is requested ahead of the rest.
	// Download comes at once even so: in v1.59.1 a torrent wanted only
	// through reader priorities sometimes stops requesting for good, which
	// normal file priority has never done here.
	r.warm = warmUp(ctx, ent, f)
	ent.mu.Lock()
	if ent.open == nil {
		ent.open = make(map[*fileReader]struct{})
	}
	ent.open[r] = struct{}{}
	if ent.background == nil {
		ent.background = make(map[int]bool)
	}
	ent.background[index] = true
	ent.mu.Unlock()
	ent.readers.Add(1)
	e.activeMu.Lock()
	if e.active == nil {
		e.active = make(map[*entry]struct{})
	}
	e.active[ent] = struct{}{}
	e.activeMu.Unlock()
	// balance sets the file's priority: normal at once, unless some
	// reader's window is still missing pieces (see yield.go).
	e.balance(ent, true)
	return r, nil
}

// fileReader stops at the end of its file, follows the readahead the engine
// computes for it, and counts itself in Status.Readers until closed.
type fileReader struct {
	e      *Engine
	ent    *entry
	key    fileKey
	offset int64 // of the file in the torrent
	length int64
	done   func() // ends the reader's claim on the torrent
	warm   *warmer

	// readMu is held by Read and Seek, and by resize while it moves the
	// window: anacrolix readers are not safe for concurrent use.
	readMu sync.Mutex
	r      torrent.Reader
	pos    int64

	ctlMu  sync.Mutex // orders Close against resize; never held during a Read
	closed atomic.Bool
	once   sync.Once

	window atomic.Int64 // readahead in bytes
	at     atomic.Int64 // pos, for balance, which does not take readMu
}

// readahead is the reader's anacrolix ReadaheadFunc; anacrolix calls it
// with the client locked, so it only loads a number.
func (r *fileReader) readahead(torrent.ReadaheadContext) int64 { return r.window.Load() }

// Readahead is the reader's current readahead window in bytes.
func (r *fileReader) Readahead() int64 { return r.window.Load() }

// resize sets the window. A Read under way applies it when it returns;
// otherwise it is applied now, so that an idle player's buffer grows too.
func (r *fileReader) resize(n int64) {
	if r.window.Swap(n) == n || !r.readMu.TryLock() {
		return
	}
	defer r.readMu.Unlock()
	r.ctlMu.Lock()
	defer r.ctlMu.Unlock()
	if !r.closed.Load() {
		r.r.SetReadaheadFunc(r.readahead) // re-evaluates the window
	}
}

// Read never goes past the file: anacrolix v1.59.1 file readers hand back
// bytes of the next file when the buffer is larger than what is left.
func (r *fileReader) Read(b []byte) (int, error) {
	r.readMu.Lock()
	defer r.readMu.Unlock()
	if r.closed.Load() {
		return 0, os.ErrClosed
	}
	if r.pos >= r.length {
		return 0, io.EOF
	}
	if left := r.length - r.pos; int64(len(b)) > left {
		b = b[:left]
	}
	n, err := r.r.Read(b)
	r.pos += int64(n)
	r.at.Store(r.pos)
	return n, err
}

// Seek moves the window with the reader: the piece at the new position
// becomes the most urgent one at once, the old window drops back to normal
// priority, and while the new window is missing pieces the rest of the film
// waits (see Engine.balance).
func (r *fileReader) Seek(off int64, whence int) (int64, error) {
	r.readMu.Lock()
	if r.closed.Load() {
		r.readMu.Unlock()
		return 0, os.ErrClosed
	}
	old := r.pos
	pos, err := r.r.Seek(off, whence)
	if err == nil {
		r.pos = pos
		r.at.Store(pos)
	}
	r.readMu.Unlock()
	if err == nil && pos != old {
		r.e.balance(r.ent, true)
	}
	return pos, err
}

func (r *fileReader) Close() (err error) {
	r.once.Do(func() {
		r.ctlMu.Lock()
		r.closed.Store(true)
		err = r.r.Close()
		r.ctlMu.Unlock()
		r.warm.stop()
		r.ent.mu.Lock()
		delete(r.ent.open, r)
		r.ent.mu.Unlock()
		r.ent.readers.Add(-1)
		r.e.balance(r.ent, false)
		r.done()
	})
	return err
}

// retune resizes the windows of a torrent's readers to the current rate.
func (e *Engine) retune(ent *entry, now time.Time) {
	ent.mu.Lock()
	readers := slices.Collect(maps.Keys(ent.open))
	ent.mu.Unlock()
	if len(readers) == 0 {
		return
	}
	down, _ := ent.rates(ent.counters(now))
	for _, r := range readers {
		r.resize(ReadaheadFor(e.bitrate(r.key, r.length), down))
	}
}
