package torrent

import (
	"context"
	"sync"

	"github.com/anacrolix/torrent"

	"github.com/hypertube/hypertube"
)

// Readahead is how far past a reader's position pieces are prioritised.
const Readahead = 16 << 20

// OpenFile opens a reader over file index of the torrent, waiting for the
// metadata until ctx ends. Reads give up when ctx ends. The whole file keeps
// downloading at normal priority once a reader has opened it.
func (e *Engine) OpenFile(ctx context.Context, infoHash string, index int) (hypertube.TorrentReader, error) {
	ent, err := e.entry(infoHash)
	if err != nil {
		return nil, err
	}
	if err := e.waitInfo(ctx, ent); err != nil {
		return nil, err
	}
	files := ent.t.Files()
	if index < 0 || index >= len(files) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "this torrent has no file number %d", index)
	}
	f := files[index]
	r := f.NewReader()
	r.SetContext(ctx)
	r.SetResponsive()
	r.SetReadahead(Readahead)
	f.Download()
	ent.readers.Add(1)
	return &fileReader{Reader: r, ent: ent}, nil
}

// fileReader counts itself in Status.Readers until closed.
type fileReader struct {
	torrent.Reader
	ent  *entry
	once sync.Once
}

func (r *fileReader) Close() (err error) {
	r.once.Do(func() {
		err = r.Reader.Close()
		r.ent.readers.Add(-1)
	})
	return err
}
