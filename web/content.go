package web

// TEMPORARY: a stand-in for stream.Serve until package stream has it; it has
// the same shape so that switching is a one-line change.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

type content struct {
	Name             string
	ContentType      string
	Size             int64
	ModTime          time.Time
	ETag             string
	Open             func(ctx context.Context, offset int64) (io.ReadCloser, error)
	FirstByteTimeout time.Duration
}

func serveContent(w http.ResponseWriter, r *http.Request, c content) {
	w.Header().Set("Content-Type", c.ContentType)
	if c.ETag != "" {
		w.Header().Set("ETag", c.ETag)
	}
	rs := &openSeeker{ctx: r.Context(), c: c}
	defer rs.Close()
	http.ServeContent(w, r, c.Name, c.ModTime, rs)
}

type openSeeker struct {
	ctx context.Context
	c   content
	pos int64
	rc  io.ReadCloser
}

func (o *openSeeker) Read(p []byte) (int, error) {
	if o.rc == nil {
		rc, err := o.c.Open(o.ctx, o.pos)
		if err != nil {
			return 0, err
		}
		o.rc = rc
	}
	n, err := o.rc.Read(p)
	o.pos += int64(n)
	return n, err
}

func (o *openSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += o.pos
	case io.SeekEnd:
		off += o.c.Size
	}
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off != o.pos && o.rc != nil {
		o.rc.Close()
		o.rc = nil
	}
	o.pos = off
	return off, nil
}

func (o *openSeeker) Close() error {
	if o.rc != nil {
		return o.rc.Close()
	}
	return nil
}
