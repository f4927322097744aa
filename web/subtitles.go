package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/subtitles"
)

// subtitleTrack is one <track> of the film page.
type subtitleTrack struct {
	Src     string `json:"src"`
	Srclang string `json:"srclang"`
	Label   string `json:"label"`
	Default bool   `json:"default"`
}

const (
	// maxSubtitleFile bounds a subtitle file read from a torrent; real ones
	// are a few hundred KiB.
	maxSubtitleFile = 4 << 20
	// openSubsRetry is how long a film and language OpenSubtitles had
	// nothing for is left alone.
	openSubsRetry = 6 * time.Hour
	// openSubsWait bounds what asking OpenSubtitles adds to a page load.
	openSubsWait = 8 * time.Second
)

var subtitleExtensions = []string{".srt", ".ass", ".ssa", ".vtt"}

// textSubtitleCodecs are the subtitle tracks that can become WebVTT;
// pictures (PGS, VobSub, DVB) cannot.
var textSubtitleCodecs = []string{"subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"}

// languageCode turns a tag such as "eng", "fre" or "pt-BR" into the
// two-letter code browsers and OpenSubtitles use; "" when unknown.
func languageCode(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	tag, err := language.Parse(s)
	if err != nil {
		return ""
	}
	base, conf := tag.Base()
	if conf == language.No || base.String() == "und" {
		return ""
	}
	return base.String()
}

// languageName is a language's name in that language: "English",
// "Français".
func languageName(code string) string {
	if code == "" {
		return ""
	}
	name := display.Self.Name(language.Make(code))
	if name == "" {
		return code
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToUpper(r)) + name[size:]
}

// languageWords are the language names subtitle files are often named by.
var languageWords = map[string]string{
	"english": "en", "french": "fr", "francais": "fr", "spanish": "es", "espanol": "es", "german": "de",
	"deutsch": "de", "italian": "it", "portuguese": "pt", "dutch": "nl", "russian": "ru", "polish": "pl",
	"swedish": "sv", "danish": "da", "norwegian": "no", "finnish": "fi", "turkish": "tr", "greek": "el",
	"arabic": "ar", "hebrew": "he", "chinese": "zh", "japanese": "ja", "korean": "ko",
}

// fileLanguage guesses a subtitle file's language from the last word of
// its name: "Film.fr.srt", "Film.eng.srt", "2_English.srt".
func fileLanguage(name string) string {
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	words := strings.FieldsFunc(base, func(r rune) bool { return !unicode.IsLetter(r) })
	if len(words) == 0 {
		return ""
	}
	last := strings.ToLower(words[len(words)-1])
	if code, ok := languageWords[last]; ok {
		return code
	}
	if len(last) == 2 || len(last) == 3 {
		return languageCode(last)
	}
	return ""
}

// subtitleName is the name of a subtitle in the cache and in its URL:
// "<lang>-<source>", "und" standing for an unknown language.
func subtitleName(lang, source string) string {
	if lang == "" {
		lang = "und"
	}
	return lang + "-" + source
}

// subtitleTracks lists the film's subtitles: files of its torrent, text
// tracks of the video file, and OpenSubtitles' in English and in the
// viewer's language. Only OpenSubtitles is asked now; the others are made
// when the browser loads them.
func (h *handler) subtitleTracks(ctx context.Context, r *http.Request, m *hypertube.Movie, info *hypertube.TorrentInfo, video hypertube.TorrentFile, p *media.Probe) []subtitleTrack {
	viewer := visitorOf(r).lang
	base := movieURL(m.ID) + "/subtitles/"
	var out []subtitleTrack
	add := func(lang, source, from string) {
		label := languageName(lang)
		if label == "" {
			label = h.t(r, "player.subsUnknown")
		}
		out = append(out, subtitleTrack{
			Src: base + subtitleName(lang, source) + ".vtt", Srclang: cmpOr(lang, "und"),
			Label: label + " (" + h.t(r, from) + ")",
		})
	}
	for _, f := range info.Files {
		if slices.Contains(subtitleExtensions, strings.ToLower(path.Ext(f.Path))) && f.Length <= maxSubtitleFile {
			add(fileLanguage(f.Path), "torrent_"+strconv.Itoa(f.Index), "player.subsTorrent")
		}
	}
	n := 0
	for _, s := range p.Streams {
		if s.Type != "subtitle" {
			continue
		}
		if slices.Contains(textSubtitleCodecs, s.Codec) {
			add(languageCode(s.Language), "embedded_"+strconv.Itoa(n), "player.subsEmbedded")
		}
		n++
	}
	if h.player.openSubs != nil || h.player.hasCached(m.ID, subtitles.SourceOpenSubtitles) {
		langs := []string{"en"}
		if viewer != "en" {
			langs = append(langs, viewer)
		}
		for _, lang := range langs {
			if h.openSubtitles(ctx, m, video, info.InfoHash, lang) {
				add(lang, subtitles.SourceOpenSubtitles, "player.subsOpenSubtitles")
			}
		}
	}
	// The viewer's language shows by default: what the film's own files
	// have first, as they are in step with it.
	for i := range out {
		if out[i].Srclang == viewer {
			out[i].Default = true
			break
		}
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *player) hasCached(movie int64, source string) bool {
	entries, _ := p.subtitles.List(strconv.FormatInt(movie, 10))
	for _, e := range entries {
		if e.Source == source {
			return true
		}
	}
	return false
}

// openSubtitles makes sure the cache holds OpenSubtitles' subtitles of m
// in lang, asking for them at most once per openSubsRetry, and reports
// whether it does.
func (h *handler) openSubtitles(ctx context.Context, m *hypertube.Movie, video hypertube.TorrentFile, infoHash, lang string) bool {
	p := h.player
	movie := strconv.FormatInt(m.ID, 10)
	if _, err := p.subtitles.Get(movie, lang, subtitles.SourceOpenSubtitles); err == nil {
		return true
	}
	if p.openSubs == nil {
		return false
	}
	memo := movie + "-" + lang
	p.mu.Lock()
	tried, ok := p.openSubsTried[memo]
	if ok && h.now().Sub(tried) < openSubsRetry {
		p.mu.Unlock()
		return false
	}
	p.openSubsTried[memo] = h.now()
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, openSubsWait)
	defer cancel()
	q := subtitles.Query{ImdbID: m.ImdbID, Languages: []string{lang}}
	if rd, err := h.engine.OpenFile(ctx, infoHash, video.Index); err == nil {
		q.MovieHash, _ = subtitles.MovieHash(&seekReaderAt{rs: rd}, video.Length)
		rd.Close()
	}
	results, err := p.openSubs.Search(ctx, q)
	if err == nil && len(results) == 0 {
		err = hypertube.Errorf(hypertube.ENOTFOUND, "none found")
	}
	var vtt []byte
	if err == nil {
		var d *subtitles.Download
		if d, err = p.openSubs.Download(ctx, results[0].FileID); err == nil {
			var raw []byte
			if raw, err = p.openSubs.Fetch(ctx, d); err == nil {
				vtt, err = convertSubtitle(d.FileName, raw)
			}
		}
	}
	if err == nil {
		err = p.subtitles.Put(movie, lang, subtitles.SourceOpenSubtitles, vtt)
	}
	if err != nil {
		h.log.Info("no subtitles from OpenSubtitles", "movie", m.ID, "lang", lang, "err", err)
		return false
	}
	p.mu.Lock()
	delete(p.openSubsTried, memo)
	p.mu.Unlock()
	return true
}

// seekReaderAt reads at offsets by seeking a torrent reader, which is not
// safe for concurrent use: MovieHash reads one chunk at a time.
type seekReaderAt struct{ rs io.ReadSeeker }

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.rs, p)
}

// convertSubtitle turns a subtitle file, named name, into UTF-8 WebVTT.
func convertSubtitle(name string, b []byte) ([]byte, error) {
	switch strings.ToLower(path.Ext(name)) {
	case ".ass", ".ssa":
		return subtitles.FromASS(b)
	case ".vtt":
		text, _, err := subtitles.ToUTF8(b)
		if err != nil || !bytes.HasPrefix(text, []byte("WEBVTT")) {
			return nil, hypertube.Errorf(hypertube.EINVALID, "This subtitle file is not WebVTT.")
		}
		return text, nil
	default:
		return subtitles.FromSRT(b)
	}
}

// handleSubtitle serves one subtitle as WebVTT, converting it on first
// use: /movies/{id}/subtitles/<lang>-<source>.vtt.
func (h *handler) handleSubtitle(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name, ok := strings.CutSuffix(r.PathValue("name"), ".vtt")
	i := strings.LastIndexByte(name, '-')
	if !ok || i <= 0 {
		h.fail(w, r, keyError(hypertube.ENOTFOUND, "player.noSubtitle"))
		return
	}
	lang, source := name[:i], name[i+1:]
	movie := strconv.FormatInt(m.ID, 10)
	if _, err := h.player.subtitles.Path(movie, lang, source); err != nil {
		h.fail(w, r, keyError(hypertube.ENOTFOUND, "player.noSubtitle"))
		return
	}
	vtt, err := h.player.subtitles.Get(movie, lang, source)
	if hypertube.ErrorCode(err) == hypertube.ENOTFOUND {
		vtt, err = h.makeSubtitle(r, m, lang, source)
		if err == nil {
			err = h.player.subtitles.Put(movie, lang, source, vtt)
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/vtt; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(vtt)
}

// makeSubtitle converts the subtitle a URL names from its torrent file or
// from the video's own track, after checking that the film has it in lang.
func (h *handler) makeSubtitle(r *http.Request, m *hypertube.Movie, lang, source string) ([]byte, error) {
	missing := keyError(hypertube.ENOTFOUND, "player.noSubtitle")
	kind, num, ok := strings.Cut(source, "_")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 {
		return nil, missing
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
	defer cancel()
	info, video, err := h.filmFile(ctx, m)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "torrent":
		if n >= len(info.Files) {
			return nil, missing
		}
		f := info.Files[n]
		if !slices.Contains(subtitleExtensions, strings.ToLower(path.Ext(f.Path))) || f.Length > maxSubtitleFile ||
			subtitleName(fileLanguage(f.Path), source) != lang+"-"+source {
			return nil, missing
		}
		rd, err := h.engine.OpenFile(ctx, info.InfoHash, f.Index)
		if err != nil {
			return nil, err
		}
		defer rd.Close()
		b, err := io.ReadAll(io.LimitReader(rd, maxSubtitleFile))
		if err != nil {
			return nil, err
		}
		return convertSubtitle(f.Path, b)
	case "embedded":
		ref := fileRef{infoHash: info.InfoHash, index: video.Index}
		p, err := h.probe(ctx, r, ref)
		if err != nil {
			return nil, err
		}
		k := 0
		for _, s := range p.Streams {
			if s.Type != "subtitle" {
				continue
			}
			if k == n {
				if !slices.Contains(textSubtitleCodecs, s.Codec) || subtitleName(languageCode(s.Language), source) != lang+"-"+source {
					return nil, missing
				}
				in, err := h.input(r, ref)
				if err != nil {
					return nil, err
				}
				return subtitles.Extract(ctx, h.player.runner, "subtitles of film "+strconv.FormatInt(m.ID, 10), in, n)
			}
			k++
		}
	}
	return nil, missing
}
