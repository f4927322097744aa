package hypertube

import (
	"context"
	"io"
	"time"
)

// ByteRange is the half-open interval [Start, End) of bytes.
type ByteRange struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// TorrentFile is one file of a torrent. Offset is its first byte within the
// torrent's concatenated data.
type TorrentFile struct {
	Index  int    `json:"index"`
	Path   string `json:"path"` // slash-separated, relative to the torrent's root
	Length int64  `json:"length"`
	Offset int64  `json:"offset"`
}

// TorrentInfo is what a torrent's metadata says.
type TorrentInfo struct {
	InfoHash    string        `json:"infoHash"`
	Name        string        `json:"name"`
	Length      int64         `json:"length"`
	PieceLength int64         `json:"pieceLength"`
	NumPieces   int           `json:"numPieces"`
	Files       []TorrentFile `json:"files"`
}

// TorrentStatus is a snapshot of a torrent's download.
type TorrentStatus struct {
	InfoHash       string      `json:"infoHash"`
	Name           string      `json:"name"`
	HasInfo        bool        `json:"hasInfo"`
	Length         int64       `json:"length"`
	Peers          int         `json:"peers"`          // connected peers
	Seeders        int         `json:"seeders"`        // connected peers that have everything
	DownloadRate   float64     `json:"downloadRate"`   // bytes/s, recent average
	UploadRate     float64     `json:"uploadRate"`     // bytes/s, recent average
	BytesCompleted int64       `json:"bytesCompleted"` // verified bytes
	BytesRead      int64       `json:"bytesRead"`      // useful payload received this session
	Buffered       []ByteRange `json:"buffered"`       // verified ranges of the torrent's data
	Complete       bool        `json:"complete"`
	Readers        int         `json:"readers"` // open stream readers
	At             time.Time   `json:"at"`
}

// TorrentReader reads one file of a torrent, fetching the bytes around its
// position first. Reads block until the data is verified or the context given
// to OpenFile ends.
type TorrentReader interface {
	io.ReadSeekCloser
}

// Engine downloads and seeds torrents.
type Engine interface {
	// AddMagnet adds the torrent of a magnet URI (or a bare 40-hex or base32
	// info hash) and returns its info hash in lowercase hex. Adding a torrent
	// twice is not an error.
	AddMagnet(ctx context.Context, uri string) (string, error)
	// AddTorrent adds the torrent of a .torrent file's bytes.
	AddTorrent(ctx context.Context, data []byte) (string, error)
	// Info waits for the torrent's metadata, until ctx ends.
	Info(ctx context.Context, infoHash string) (*TorrentInfo, error)
	// OpenFile opens a reader over file index of the torrent. The reader's
	// reads give up when ctx ends; Close releases its priorities.
	OpenFile(ctx context.Context, infoHash string, index int) (TorrentReader, error)
	// Status reports the torrent's progress; ENOTFOUND for an unknown hash.
	Status(infoHash string) (*TorrentStatus, error)
	// Drop forgets the torrent, keeping its files on disk.
	Drop(infoHash string) error
	Close() error
}
