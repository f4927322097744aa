package torrent

import (
	"context"
	"io"
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
	return &fileReader{Reader: r, ent: ent, length: f.Length()}, nil
}

// fileReader stops at the end of its file and counts itself in
// Status.Readers until closed.
type fileReader struct {
	torrent.Reader
	ent    *entry
	once   sync.Once
	pos    int64
	length int64
}

// Read never goes past the file: anacrolix v1.59.1 file readers hand back
// bytes of the next file when the buffer is larger than what is left.
func (r *fileReader) Read(b []byte) (int, error) {
	if r.pos >= r.length {
		return 0, io.EOF
	}
	if left := r.length - r.pos; int64(len(b)) > left {
		b = b[:left]
	}
	n, err := r.Reader.Read(b)
	r.pos += int64(n)
	return n, err
}

func (r *fileReader) Seek(off int64, whence int) (int64, error) {
	pos, err := r.Reader.Seek(off, whence)
	if err == nil {
		r.pos = pos
	}
	return pos, err
}

func (r *fileReader) Close() (err error) {
	r.once.Do(func() {
		err = r.Reader.Close()
		r.ent.readers.Add(-1)
	})
	return err
}
