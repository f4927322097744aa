package web_test

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/hypertube/hypertube"
)

// fakeMovies is an in-memory library.
type fakeMovies struct {
	mu      sync.Mutex
	movies  map[int64]*hypertube.Movie
	nextID  int64
	watched map[int64]int
	// err, when set, is returned by every lookup.
	err error
}

func newFakeMovies(ms ...*hypertube.Movie) *fakeMovies {
	f := &fakeMovies{movies: map[int64]*hypertube.Movie{}, watched: map[int64]int{}}
	for _, m := range ms {
		f.CreateMovie(context.Background(), m)
	}
	return f
}

func (f *fakeMovies) FindMovieByID(_ context.Context, id int64) (*hypertube.Movie, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	m, ok := f.movies[id]
	if !ok {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No such film.")
	}
	c := *m
	return &c, nil
}

func (f *fakeMovies) FindMovieByInfoHash(_ context.Context, ih string) (*hypertube.Movie, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.movies {
		if m.InfoHash == ih {
			c := *m
			return &c, nil
		}
	}
	return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No such film.")
}

func (f *fakeMovies) FindMovies(_ context.Context, _ hypertube.MovieFilter) ([]*hypertube.Movie, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, 0, f.err
	}
	var out []*hypertube.Movie
	for _, m := range f.movies {
		c := *m
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *hypertube.Movie) int { return int(a.ID - b.ID) })
	return out, len(out), nil
}

func (f *fakeMovies) CreateMovie(_ context.Context, m *hypertube.Movie) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	m.ID = f.nextID
	c := *m
	f.movies[m.ID] = &c
	return nil
}

func (f *fakeMovies) UpdateMovie(_ context.Context, m *hypertube.Movie) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *m
	f.movies[m.ID] = &c
	return nil
}

func (f *fakeMovies) DeleteMovie(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.movies, id)
	return nil
}

func (f *fakeMovies) MarkMovieWatched(_ context.Context, id int64, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watched[id]++
	return nil
}

func (f *fakeMovies) watchCount(id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.watched[id]
}

func (f *fakeMovies) byID(id int64) *hypertube.Movie {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.movies[id]
}

// fakeTorrent is a torrent whose whole data is in memory.
type fakeTorrent struct {
	info   *hypertube.TorrentInfo // nil until "metadata arrives"
	data   []byte                 // the torrent's concatenated files
	status hypertube.TorrentStatus
}

// fakeEngine serves torrents from memory. rate, when set, throttles reads to
// about that many bytes per second, like a slow swarm.
type fakeEngine struct {
	mu       sync.Mutex
	torrents map[string]*fakeTorrent
	rate     int
	opened   int
}

func newFakeEngine() *fakeEngine { return &fakeEngine{torrents: map[string]*fakeTorrent{}} }

type fakeFile struct {
	path string
	data []byte
}

// addTorrent makes a torrent with metadata known, of the given files.
func (e *fakeEngine) addTorrent(infoHash, name string, files ...fakeFile) *fakeTorrent {
	t := &fakeTorrent{info: &hypertube.TorrentInfo{InfoHash: infoHash, Name: name, PieceLength: 16 << 10}}
	for i, f := range files {
		t.info.Files = append(t.info.Files, hypertube.TorrentFile{Index: i, Path: f.path, Length: int64(len(f.data)), Offset: int64(len(t.data))})
		t.data = append(t.data, f.data...)
	}
	t.info.Length = int64(len(t.data))
	t.status = hypertube.TorrentStatus{InfoHash: infoHash, Name: name, HasInfo: true, Length: t.info.Length}
	e.mu.Lock()
	e.torrents[infoHash] = t
	e.mu.Unlock()
	return t
}

func (e *fakeEngine) setStatus(infoHash string, fn func(*hypertube.TorrentStatus)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fn(&e.torrents[infoHash].status)
}

var magnetHash = regexp.MustCompile(`(?i)(?:btih:)?([0-9a-f]{40})`)

func (e *fakeEngine) AddMagnet(_ context.Context, uri string) (string, error) {
	m := magnetHash.FindStringSubmatch(uri)
	if m == nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "The fake engine wants a hex info hash.")
	}
	ih := strings.ToLower(m[1])
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.torrents[ih]; !ok {
		e.torrents[ih] = &fakeTorrent{status: hypertube.TorrentStatus{InfoHash: ih}}
	}
	return ih, nil
}

// AddTorrent parses the bytes for real, as the engine does.
func (e *fakeEngine) AddTorrent(_ context.Context, data []byte) (string, error) {
	mi, err := metainfo.Load(bytes.NewReader(data))
	if err != nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "This file is not a valid .torrent file.")
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "This file is not a valid .torrent file.")
	}
	ih := mi.HashInfoBytes().HexString()
	e.addTorrent(ih, info.Name, fakeFile{path: info.Name, data: make([]byte, info.Length)})
	return ih, nil
}

func (e *fakeEngine) torrent(ih string) (*fakeTorrent, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.torrents[ih]
	if !ok {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "Unknown torrent.")
	}
	return t, nil
}

func (e *fakeEngine) Info(ctx context.Context, ih string) (*hypertube.TorrentInfo, error) {
	t, err := e.torrent(ih)
	if err != nil {
		return nil, err
	}
	if t.info == nil {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return t.info, nil
}

func (e *fakeEngine) OpenFile(ctx context.Context, ih string, index int) (hypertube.TorrentReader, error) {
	t, err := e.torrent(ih)
	if err != nil {
		return nil, err
	}
	if t.info == nil || index < 0 || index >= len(t.info.Files) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "No such file.")
	}
	f := t.info.Files[index]
	e.mu.Lock()
	e.opened++
	rate := e.rate
	e.mu.Unlock()
	return &fakeReader{ctx: ctx, r: bytes.NewReader(t.data[f.Offset : f.Offset+f.Length]), rate: rate}, nil
}

func (e *fakeEngine) Status(ih string) (*hypertube.TorrentStatus, error) {
	t, err := e.torrent(ih)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := t.status
	st.Buffered = slices.Clone(st.Buffered)
	st.At = time.Now()
	return &st, nil
}

func (e *fakeEngine) Drop(ih string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.torrents, ih)
	return nil
}

func (e *fakeEngine) Close() error { return nil }

// fakeReader reads a byte slice, at most rate bytes per second when rate
// is set, and gives up when its context ends, as torrent readers do.
type fakeReader struct {
	ctx  context.Context
	r    *bytes.Reader
	rate int
}

func (f *fakeReader) Read(p []byte) (int, error) {
	if err := f.ctx.Err(); err != nil {
		return 0, err
	}
	if f.rate > 0 {
		chunk := max(f.rate/20, 1)
		if len(p) > chunk {
			p = p[:chunk]
		}
		select {
		case <-f.ctx.Done():
			return 0, f.ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return f.r.Read(p)
}

func (f *fakeReader) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }
func (f *fakeReader) Close() error                              { return nil }

// torrentFile builds the bytes of a real single-file .torrent.
func torrentFile(name string, length int64) ([]byte, error) {
	const pieceLength = 16 << 10
	n := (length + pieceLength - 1) / pieceLength
	info := metainfo.Info{Name: name, Length: length, PieceLength: pieceLength, Pieces: make([]byte, 20*n)}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = (&metainfo.MetaInfo{InfoBytes: infoBytes}).Write(&buf)
	return buf.Bytes(), err
}

var _ io.ReadSeekCloser = (*fakeReader)(nil)
