package torrent

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/hypertube/hypertube"
)

// choosePieceLength aims at about 1500 pieces: small metadata for big films,
// and pieces small enough that a stream starts fast.
func choosePieceLength(total int64) int64 {
	const lo, hi = 256 << 10, 4 << 20
	pl := int64(lo)
	for pl < hi && total/pl > 1500 {
		pl *= 2
	}
	return pl
}

// MakeTorrent hashes the file or folder at p into a torrent named base(p),
// announcing to trackers (one tier each).
func MakeTorrent(p string, trackers []string) (*metainfo.MetaInfo, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	if !safeComponent(filepath.Base(abs)) {
		return nil, hypertube.Errorf(hypertube.EINVALID, "%s cannot be shared as a whole; pick a file or folder inside it", p)
	}
	var total int64
	err = filepath.WalkDir(abs, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			total += fi.Size()
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, hypertube.Errorf(hypertube.ENOTFOUND, "there is nothing to share at %s", p)
	}
	if err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "there is nothing to share: %s is empty", p)
	}
	info := metainfo.Info{PieceLength: choosePieceLength(total)}
	if err := info.BuildFromFilePath(abs); err != nil {
		return nil, err
	}
	mi := &metainfo.MetaInfo{CreatedBy: "Hypertube", CreationDate: time.Now().Unix()}
	if mi.InfoBytes, err = bencode.Marshal(info); err != nil {
		return nil, err
	}
	if len(trackers) > 0 {
		mi.Announce = trackers[0]
		for _, tr := range trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{tr})
		}
	}
	return mi, nil
}

// Magnet is the magnet link of mi, with its name and one tr per tracker.
func Magnet(mi *metainfo.MetaInfo) string {
	m := metainfo.Magnet{InfoHash: mi.HashInfoBytes()}
	if info, err := mi.UnmarshalInfo(); err == nil {
		m.DisplayName = info.BestName()
	}
	for _, tier := range mi.UpvertedAnnounceList() {
		for _, tr := range tier {
			if !slices.Contains(m.Trackers, tr) {
				m.Trackers = append(m.Trackers, tr)
			}
		}
	}
	return m.String()
}

// Seed makes a torrent of the file or folder at p, reading it in place,
// verifies it and seeds it. Seeded torrents are not saved for Restore: the
// seeding command is re-run instead.
func (e *Engine) Seed(ctx context.Context, p string, trackers []string) (*metainfo.MetaInfo, string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, "", err
	}
	mi, err := MakeTorrent(abs, trackers)
	if err != nil {
		return nil, "", err
	}
	spec, err := torrent.TorrentSpecFromMetaInfoErr(mi)
	if err != nil {
		return nil, "", err
	}
	// Announced once verified: until then anacrolix would tell the trackers
	// that everything is left, and they would count a seeder as a leecher.
	announce := append(spec.Trackers, e.announceList()...)
	spec.Trackers = nil
	root := filepath.Dir(abs)
	st := storage.NewFileOpts(storage.NewFileClientOpts{
		ClientBaseDir: root,
		FilePathMaker: filePathMaker(""),
		UsePartFiles:  g.Some(false),
		// Wrapped for the same reason as the engine's: anacrolix may still be
		// marking a piece when the engine closes this storage.
		PieceCompletion: &lateCompletion{pc: storage.NewMapPieceCompletion()},
		Logger:          e.log,
	})
	e.mu.Lock()
	e.closers = append(e.closers, st.Close)
	e.mu.Unlock()
	ent, _, err := e.add(spec, st, root)
	if err != nil {
		return nil, "", err
	}
	if err := e.waitInfo(ctx, ent); err != nil {
		return nil, "", err
	}
	if err := ent.t.VerifyDataContext(ctx); err != nil {
		return nil, "", err
	}
	if ent.t.BytesMissing() != 0 {
		return nil, "", hypertube.Errorf(hypertube.ECONFLICT, "%s changed while it was being hashed; try again", p)
	}
	// VerifyData returns once the pieces are hashed; anacrolix marks them
	// complete a little later, and callers expect a complete torrent.
	select {
	case <-ent.t.Complete().On():
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	ent.t.AddTrackers(announce)
	return mi, ent.hash.HexString(), nil
}

var videoExts = []string{".mp4", ".mkv", ".webm", ".avi", ".m4v", ".mov", ".ogv"}

// LargestVideoFile picks the film of a torrent: its largest video file by
// extension, else its largest file. ok is false for a torrent with no files.
func LargestVideoFile(info *hypertube.TorrentInfo) (hypertube.TorrentFile, bool) {
	best, bestVideo := -1, -1
	for i, f := range info.Files {
		if best < 0 || f.Length > info.Files[best].Length {
			best = i
		}
		if slices.Contains(videoExts, strings.ToLower(path.Ext(f.Path))) &&
			(bestVideo < 0 || f.Length > info.Files[bestVideo].Length) {
			bestVideo = i
		}
	}
	switch {
	case bestVideo >= 0:
		return info.Files[bestVideo], true
	case best >= 0:
		return info.Files[best], true
	}
	return hypertube.TorrentFile{}, false
}
