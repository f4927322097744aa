package torrent

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/hypertube/hypertube"
)

// errEscapes is what a person sees when a torrent's paths are unsafe.
var errEscapes = hypertube.Errorf(hypertube.EINVALID, "this torrent's file names would escape the download folder")

// reservedName is the first path component of stateDir when it lies inside
// dataDir: a torrent named like it could overwrite the engine's own state.
func reservedName(dataDir, stateDir string) string {
	rel, err := filepath.Rel(dataDir, stateDir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	return strings.SplitN(rel, string(filepath.Separator), 2)[0]
}

// safeComponent reports whether s can be used as one path segment as is.
func safeComponent(s string) bool {
	switch s {
	case "", ".", "..":
		return false
	}
	return !strings.ContainsAny(s, "/\\\x00") && len(s) <= 255
}

// checkPaths rejects any torrent whose name or file paths are not plain
// relative segments. anacrolix only refuses paths that resolve outside the
// torrent's folder; we also refuse the odd ones (NUL, "", ".", separators
// inside a segment) and names that collide with the state folder.
func (e *Engine) checkPaths(info *metainfo.Info) error {
	name := info.BestName()
	if !safeComponent(name) || (e.reserved != "" && name == e.reserved) {
		return errEscapes
	}
	for _, f := range info.UpvertedFiles() {
		for _, c := range f.BestPath() {
			if !safeComponent(c) {
				return errEscapes
			}
		}
	}
	return nil
}

// filePath places a torrent file under DataDir/<name>/<path...>. It is the
// last line of defence (metadata from a magnet reaches storage before our
// check runs), so it sanitises rather than trusts: checkPaths guarantees it is
// the identity for every torrent we accept.
func filePathMaker(reserved string) storage.FilePathMaker {
	return func(opts storage.FilePathMakerOpts) string {
		name := sanitise(opts.Info.BestName())
		if reserved != "" && name == reserved {
			name = "_" + name
		}
		parts := []string{name}
		for _, c := range opts.File.BestPath() {
			parts = append(parts, sanitise(c))
		}
		return filepath.Join(parts...)
	}
}

func sanitise(s string) string {
	if safeComponent(s) {
		return s
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', 0:
			return '_'
		}
		return r
	}, s)
	switch s {
	case "", ".", "..":
		return "_"
	}
	if len(s) > 255 {
		s = s[:255]
	}
	return s
}

// diskPath is where file f of info lives under root.
func diskPath(root string, info *metainfo.Info, f metainfo.FileInfo) string {
	return filepath.Join(append([]string{root, info.BestName()}, f.BestPath()...)...)
}

// FilePath returns the on-disk path of file index of a torrent, for tools
// such as ffprobe that read files directly. The file may be incomplete.
func (e *Engine) FilePath(infoHash string, index int) (string, error) {
	ent, err := e.entry(infoHash)
	if err != nil {
		return "", err
	}
	info := ent.t.Info()
	if info == nil {
		return "", hypertube.Errorf(hypertube.EUNAVAILABLE, "this torrent's file list is not known yet")
	}
	files := info.UpvertedFiles()
	if index < 0 || index >= len(files) {
		return "", hypertube.Errorf(hypertube.ENOTFOUND, "this torrent has no file number %d", index)
	}
	return diskPath(ent.root(e.dataDir), info, files[index]), nil
}

// writeFileAtomic writes data to path via a temporary file, so a crash never
// leaves a truncated .torrent behind.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
