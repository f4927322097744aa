package torrent

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/hypertube/hypertube"
)

// entry is the engine's record of one torrent.
type entry struct {
	t        *torrent.Torrent
	hash     metainfo.Hash
	seedRoot string       // folder a seeded path lives in; "" means DataDir
	readers  atomic.Int64 // open stream readers, for Status
	// users counts what keeps the torrent from being released as idle:
	// readers, running DownloadAlls and OpenFiles under way. It only goes
	// up under Engine.mu, where releaseIdle checks it.
	users      atomic.Int64
	lastActive atomic.Int64 // unix nanoseconds of the last time users fell to 0

	ready chan struct{} // closed once the metadata arrived and was checked
	err   error         // set before ready closes when the metadata is unsafe

	mu      sync.Mutex
	samples []sample
	open    map[*fileReader]struct{} // readers whose windows follow the rates
	boosted map[int]int              // piece → readers that asked for it early (warm-up)
	// background holds the files opened for streaming, whose pieces
	// download at normal priority unless the torrent yields to its viewers.
	background map[int]bool

	balMu    sync.Mutex // serialises balance
	yielding bool       // background files held at priority none; under balMu
}

func (ent *entry) root(dataDir string) string {
	if ent.seedRoot != "" {
		return ent.seedRoot
	}
	return dataDir
}

// ParseInfoHash accepts a 40-hex or 32-base32 BitTorrent v1 info hash.
func ParseInfoHash(s string) (metainfo.Hash, error) {
	var h metainfo.Hash
	s = strings.TrimSpace(s)
	var err error
	switch len(s) {
	case 40:
		_, err = hex.Decode(h[:], []byte(s))
	case 32:
		_, err = base32.StdEncoding.Decode(h[:], []byte(strings.ToUpper(s)))
	default:
		err = errors.New("bad length")
	}
	if err != nil {
		return h, hypertube.Errorf(hypertube.EINVALID, "%q is not a torrent info hash (40 hexadecimal characters)", s)
	}
	return h, nil
}

// AddMagnet adds the torrent of a magnet URI, or of a bare info hash.
func (e *Engine) AddMagnet(ctx context.Context, uri string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	uri = strings.TrimSpace(uri)
	if !strings.HasPrefix(strings.ToLower(uri), "magnet:") {
		h, err := ParseInfoHash(uri)
		if err != nil {
			return "", hypertube.Errorf(hypertube.EINVALID, "this is neither a magnet link nor a torrent info hash")
		}
		uri = "magnet:?xt=urn:btih:" + h.HexString()
	}
	if _, err := metainfo.ParseMagnetUri(uri); err != nil {
		e.log.Debug("bad magnet", "uri", uri, "err", err)
		return "", hypertube.Errorf(hypertube.EINVALID, "this magnet link has no valid BitTorrent info hash (xt=urn:btih:…)")
	}
	spec, err := torrent.TorrentSpecFromMagnetUri(uri)
	if err != nil || spec.InfoHash.IsZero() {
		return "", hypertube.Errorf(hypertube.EINVALID, "this magnet link has no valid BitTorrent info hash (xt=urn:btih:…)")
	}
	// A torrent released as idle comes back with its saved metainfo rather
	// than asking peers for it again.
	e.entry(spec.InfoHash.HexString())
	ent, isNew, err := e.add(spec, nil, "")
	if err != nil {
		return "", err
	}
	if isNew && ent.t.Info() == nil {
		e.saveState(ent, ".magnet", []byte(uri))
	}
	return ent.hash.HexString(), nil
}

// AddTorrent adds the torrent of a .torrent file's bytes.
func (e *Engine) AddTorrent(ctx context.Context, data []byte) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	mi, err := parseMetaInfo(data)
	if err != nil {
		return "", err
	}
	info, _ := mi.UnmarshalInfo() // checked by parseMetaInfo
	if err := e.checkPaths(&info); err != nil {
		return "", err
	}
	spec, err := torrent.TorrentSpecFromMetaInfoErr(mi)
	if err != nil {
		return "", hypertube.Errorf(hypertube.EINVALID, "this .torrent file is damaged")
	}
	ent, _, err := e.add(spec, nil, "")
	if err != nil {
		return "", err
	}
	return ent.hash.HexString(), nil
}

// parseMetaInfo decodes and sanity-checks .torrent bytes.
func parseMetaInfo(data []byte) (*metainfo.MetaInfo, error) {
	bad := hypertube.Errorf(hypertube.EINVALID, "this is not a valid .torrent file")
	mi, err := metainfo.Load(bytes.NewReader(data))
	if err != nil || len(mi.InfoBytes) == 0 {
		return nil, bad
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		return nil, bad
	}
	if info.HasV2() {
		// v2 pieces are checked by anacrolix against the file tree.
		return mi, nil
	}
	if info.PieceLength <= 0 || len(info.Pieces) == 0 || len(info.Pieces)%20 != 0 || info.TotalLength() <= 0 {
		return nil, bad
	}
	if (info.TotalLength()+info.PieceLength-1)/info.PieceLength != int64(len(info.Pieces)/20) {
		return nil, hypertube.Errorf(hypertube.EINVALID, "this .torrent file is damaged: its piece count does not match its size")
	}
	for _, f := range info.Files {
		if f.Length < 0 {
			return nil, bad
		}
	}
	return mi, nil
}

// announceList is the configured trackers, one tier each.
func (e *Engine) announceList() [][]string {
	var list [][]string
	for _, tr := range e.cfg.Trackers {
		list = append(list, []string{tr})
	}
	return list
}

// add adds spec to the client, or merges it into the torrent already there.
// The configured trackers are added to every torrent but a seeded one (a
// seedRoot), which Seed announces itself once its data is verified.
func (e *Engine) add(spec *torrent.TorrentSpec, st storage.ClientImpl, seedRoot string) (*entry, bool, error) {
	if seedRoot == "" {
		spec.Trackers = append(spec.Trackers, e.announceList()...)
	}
	spec.Storage = st
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, false, hypertube.Errorf(hypertube.EUNAVAILABLE, "the torrent engine is shut down")
	}
	if ent, ok := e.torrents[spec.InfoHash]; ok {
		if ent.err != nil {
			return nil, false, ent.err
		}
		if err := ent.t.MergeSpec(spec); err != nil {
			return nil, false, hypertube.Errorf(hypertube.EINVALID, "this torrent does not match the one already added with the same info hash")
		}
		return ent, false, nil
	}
	t, _, err := e.client.AddTorrentSpec(spec)
	if err != nil {
		e.log.Warn("adding torrent", "infohash", spec.InfoHash.HexString(), "err", err)
		return nil, false, hypertube.Errorf(hypertube.EINVALID, "this torrent could not be added")
	}
	ent := &entry{t: t, hash: spec.InfoHash, seedRoot: seedRoot, ready: make(chan struct{})}
	ent.sample(time.Now())
	ent.lastActive.Store(time.Now().UnixNano())
	e.torrents[ent.hash] = ent
	delete(e.released, ent.hash)
	e.wg.Add(1)
	go e.watch(ent)
	return ent, true, nil
}

// watch checks and saves a torrent's metadata once known, then stops
// uploading it at completion unless the engine seeds.
func (e *Engine) watch(ent *entry) {
	defer e.wg.Done()
	select {
	case <-ent.t.GotInfo():
	case <-ent.t.Closed():
		return
	case <-e.done:
		return
	}
	if err := e.checkPaths(ent.t.Info()); err != nil {
		e.log.Warn("refusing torrent with unsafe file names", "infohash", ent.hash.HexString(), "name", ent.t.Info().BestName())
		e.mu.Lock()
		ent.err = err
		e.removeState(ent.hash)
		e.mu.Unlock()
		close(ent.ready)
		ent.t.Drop()
		return
	}
	close(ent.ready)
	if ent.seedRoot == "" {
		mi := ent.t.Metainfo()
		if data, err := bencode.Marshal(mi); err != nil {
			e.log.Warn("encoding metainfo", "infohash", ent.hash.HexString(), "err", err)
		} else if e.saveState(ent, ".torrent", data) {
			e.mu.Lock()
			os.Remove(e.statePath(ent.hash, ".magnet"))
			e.mu.Unlock()
		}
	}
	select {
	case <-ent.t.Complete().On():
		e.stopUploadIfDone(ent)
	case <-ent.t.Closed():
	case <-e.done:
	}
}

// stopUploadIfDone enforces Config.Seed=false on a complete torrent.
func (e *Engine) stopUploadIfDone(ent *entry) {
	if !e.cfg.Seed && ent.seedRoot == "" && ent.t.Complete().Bool() {
		ent.t.DisallowDataUpload()
	}
}

func (e *Engine) statePath(h metainfo.Hash, ext string) string {
	return filepath.Join(e.stateDir, "torrents", h.HexString()+ext)
}

// saveState records a torrent for Restore, unless it was dropped meanwhile.
func (e *Engine) saveState(ent *entry, ext string, data []byte) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.torrents[ent.hash] != ent {
		return false
	}
	if err := writeFileAtomic(e.statePath(ent.hash, ext), data); err != nil {
		e.log.Warn("saving torrent state", "infohash", ent.hash.HexString(), "err", err)
		return false
	}
	return true
}

// removeState forgets a torrent's saved state; e.mu must be held.
func (e *Engine) removeState(h metainfo.Hash) {
	for _, ext := range []string{".torrent", ".magnet"} {
		if err := os.Remove(e.statePath(h, ext)); err != nil && !errors.Is(err, os.ErrNotExist) {
			e.log.Warn("removing torrent state", "infohash", h.HexString(), "err", err)
		}
	}
}

// Restore re-adds every torrent saved by earlier runs on the same StateDir
// and returns their info hashes. Pieces verified before are not fetched again.
func (e *Engine) Restore(ctx context.Context) ([]string, error) {
	dir := filepath.Join(e.stateDir, "torrents")
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("torrent: reading saved torrents: %w", err)
	}
	var hashes []string
	var errs []error
	for _, de := range names {
		name := de.Name()
		ext := filepath.Ext(name)
		if ext != ".torrent" && ext != ".magnet" {
			continue
		}
		if ext == ".magnet" && slices.ContainsFunc(names, func(o os.DirEntry) bool {
			return o.Name() == strings.TrimSuffix(name, ext)+".torrent"
		}) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var h string
		if ext == ".torrent" {
			h, err = e.AddTorrent(ctx, data)
		} else {
			h, err = e.AddMagnet(ctx, string(data))
		}
		if err != nil {
			e.log.Warn("restoring torrent", "file", name, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		hashes = append(hashes, h)
	}
	return hashes, errors.Join(errs...)
}

// Drop forgets the torrent, keeping its files on disk.
func (e *Engine) Drop(infoHash string) error {
	h, err := ParseInfoHash(infoHash)
	if err != nil {
		return err
	}
	e.mu.Lock()
	ent, ok := e.torrents[h]
	released := e.released[h]
	if ok || released {
		delete(e.torrents, h)
		delete(e.released, h)
		e.removeState(h)
	}
	e.mu.Unlock()
	if !ok && !released {
		return hypertube.Errorf(hypertube.ENOTFOUND, "no torrent with info hash %s", h.HexString())
	}
	e.hints.forget(h)
	if ok {
		ent.t.Drop()
	}
	return nil
}
