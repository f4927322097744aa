package torrent

import (
	"context"
	"fmt"
	"time"

	"github.com/hypertube/hypertube"
)

// rateWindow is how far back DownloadRate and UploadRate look.
const rateWindow = 5 * time.Second

// sample is a torrent's byte counters at one moment.
type sample struct {
	at            time.Time
	read, written int64
}

func (ent *entry) counters(at time.Time) sample {
	st := ent.t.Stats()
	return sample{at: at, read: st.BytesReadUsefulData.Int64(), written: st.BytesWrittenData.Int64()}
}

// sample records the counters, keeping those within the rate window.
func (ent *entry) sample(at time.Time) {
	s := ent.counters(at)
	ent.mu.Lock()
	defer ent.mu.Unlock()
	ent.samples = append(ent.samples, s)
	i := 0
	for i < len(ent.samples)-1 && s.at.Sub(ent.samples[i].at) > rateWindow {
		i++
	}
	ent.samples = ent.samples[i:]
}

// rates averages over the oldest sample still in the window.
func (ent *entry) rates(cur sample) (down, up float64) {
	ent.mu.Lock()
	defer ent.mu.Unlock()
	for _, s := range ent.samples {
		if d := cur.at.Sub(s.at).Seconds(); d > 0.2 && cur.at.Sub(s.at) <= rateWindow+time.Second {
			return float64(cur.read-s.read) / d, float64(cur.written-s.written) / d
		}
	}
	return 0, 0
}

// Info waits for the torrent's metadata, until ctx ends.
func (e *Engine) Info(ctx context.Context, infoHash string) (*hypertube.TorrentInfo, error) {
	ent, err := e.entry(infoHash)
	if err != nil {
		return nil, err
	}
	if err := e.waitInfo(ctx, ent); err != nil {
		return nil, err
	}
	info := ent.t.Info()
	ti := &hypertube.TorrentInfo{
		InfoHash:    ent.hash.HexString(),
		Name:        info.BestName(),
		Length:      info.TotalLength(),
		PieceLength: info.PieceLength,
		NumPieces:   info.NumPieces(),
	}
	for i, f := range ent.t.Files() {
		ti.Files = append(ti.Files, hypertube.TorrentFile{Index: i, Path: f.Path(), Length: f.Length(), Offset: f.Offset()})
	}
	return ti, nil
}

func (e *Engine) waitInfo(ctx context.Context, ent *entry) error {
	// ready first: an unsafe torrent is both ready (with its error) and closed.
	select {
	case <-ent.ready:
		return ent.err
	default:
	}
	select {
	case <-ent.ready:
		return ent.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.ETIMEOUT, "no peer sent this torrent's metadata in time"), ctx.Err())
	case <-ent.t.Closed():
		select {
		case <-ent.ready:
			return ent.err
		default:
		}
		return hypertube.Errorf(hypertube.ENOTFOUND, "this torrent was removed")
	}
}

// DownloadAll fetches every piece of the torrent and returns nil once all are
// verified, or ctx's error when it ends first.
func (e *Engine) DownloadAll(ctx context.Context, infoHash string) error {
	ent, done, err := e.claim(infoHash)
	if err != nil {
		return err
	}
	defer done()
	if err := e.waitInfo(ctx, ent); err != nil {
		return err
	}
	ent.t.DownloadAll()
	select {
	case <-ent.t.Complete().On():
		// Now rather than from watch, so callers see the setting applied.
		e.stopUploadIfDone(ent)
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.ETIMEOUT, "the download did not finish in time"), ctx.Err())
	case <-ent.t.Closed():
		return hypertube.Errorf(hypertube.ENOTFOUND, "this torrent was removed")
	}
}

// Status reports the torrent's progress; ENOTFOUND for an unknown hash.
func (e *Engine) Status(infoHash string) (*hypertube.TorrentStatus, error) {
	ent, err := e.entry(infoHash)
	if err != nil {
		return nil, err
	}
	select {
	case <-ent.ready:
		if ent.err != nil {
			return nil, ent.err
		}
	default:
	}
	t := ent.t
	at := time.Now()
	cur := ent.counters(at)
	down, up := ent.rates(cur)
	st := t.Stats()
	s := &hypertube.TorrentStatus{
		InfoHash:     ent.hash.HexString(),
		Name:         t.Name(),
		Peers:        st.ActivePeers,
		Seeders:      st.ConnectedSeeders,
		DownloadRate: down,
		UploadRate:   up,
		BytesRead:    cur.read,
		Readers:      int(ent.readers.Load()),
		At:           at,
	}
	info := t.Info()
	if info == nil {
		return s, nil
	}
	s.HasInfo = true
	s.Length = info.TotalLength()
	s.Complete = t.Complete().Bool()
	var off int64
	for _, run := range t.PieceStateRuns() {
		n := int64(run.Length) * info.PieceLength
		if run.Complete {
			end := min(off+n, s.Length)
			if k := len(s.Buffered); k > 0 && s.Buffered[k-1].End == off {
				s.Buffered[k-1].End = end
			} else {
				s.Buffered = append(s.Buffered, hypertube.ByteRange{Start: off, End: end})
			}
		}
		off += n
	}
	// Torrent.BytesCompleted counts unverified chunks too; we promise verified bytes.
	for _, r := range s.Buffered {
		s.BytesCompleted += r.End - r.Start
	}
	return s, nil
}
