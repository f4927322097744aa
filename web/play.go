package web

import (
	"context"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

// playAnswer tells the film page's player what to play and why.
type playAnswer struct {
	Mode        string          `json:"mode"` // direct, remux, transcode
	Reason      string          `json:"reason"`
	Src         string          `json:"src"`
	HLSJS       string          `json:"hlsJS,omitempty"` // where to load hls.js from; "" when missing
	Duration    float64         `json:"duration"`        // seconds
	AudioTrack  int             `json:"audioTrack"`
	AudioTracks []audioTrack    `json:"audioTracks"`
	Quality     string          `json:"quality"`
	Qualities   []string        `json:"qualities"`
	Subtitles   []subtitleTrack `json:"subtitles"`
}

type audioTrack struct {
	Index    int    `json:"index"` // among the file's audio streams
	Language string `json:"language"`
	Label    string `json:"label"`
}

// Names the page may send in caps, by kind.
var (
	capContainers = []string{"mp4", "webm", "matroska"}
	capVideo      = []string{"h264", "hevc", "vp9", "av1"}
	capAudio      = []string{"aac", "opus", "mp3", "flac", "vorbis"}
)

// parseCaps reads the comma-separated names the page found playable.
// Names this server does not know are ignored: browsers learn new codecs.
func parseCaps(s string) (media.Capabilities, error) {
	var c media.Capabilities
	if len(s) > 300 {
		return c, keyError(hypertube.EINVALID, "player.badCaps")
	}
	for name := range strings.SplitSeq(strings.ToLower(s), ",") {
		name = strings.TrimSpace(name)
		switch {
		case slices.Contains(capContainers, name):
			c.Containers = append(c.Containers, name)
		case slices.Contains(capVideo, name):
			c.VideoCodecs = append(c.VideoCodecs, name)
		case slices.Contains(capAudio, name):
			c.AudioCodecs = append(c.AudioCodecs, name)
		}
	}
	return c, nil
}

// decide is media.Decide for audio track n: the chosen track counts as
// the file's first. Browsers cannot pick an audio track of a file they
// play directly, so another track than the first means a conversion;
// forTrack says the film is converted only for that.
func decide(p *media.Probe, caps media.Capabilities, n int) (d media.Decision, forTrack bool) {
	q := *p
	q.Streams = slices.Clone(p.Streams)
	chosen := -1
	seen := 0
	for i, s := range q.Streams {
		if s.Type == "audio" {
			if seen == n {
				chosen = i
			}
			seen++
		}
	}
	if chosen > 0 {
		a := q.Streams[chosen]
		q.Streams = slices.Delete(q.Streams, chosen, chosen+1)
		q.Streams = slices.Insert(q.Streams, 0, a)
	}
	d = media.Decide(&q, caps)
	if d.Mode != media.DirectPlay || n == 0 {
		return d, false
	}
	// Converted as for a browser that does not play the container.
	hls := caps
	hls.Containers = nil
	d = media.Decide(&q, hls)
	d.Reason += " (to play audio track " + strconv.Itoa(n+1) + ")"
	return d, true
}

// sessionKey is a viewer's conversion of a film: its audio track, quality
// and which streams are copied, as the URL of its playlist names it
// ("1.720p.cx": track 2, 720p, video copied, audio converted).
func sessionKey(r *http.Request, film int64, audio int, q media.Quality, d media.Decision) (media.SessionKey, string) {
	flag := func(copy bool) string {
		if copy {
			return "c"
		}
		return "x"
	}
	name := strconv.Itoa(audio) + "." + q.String() + "." + flag(d.VideoCopy) + flag(d.AudioCopy)
	return media.SessionKey{
		Viewer:     strconv.FormatInt(userOf(r).ID, 10),
		Film:       strconv.FormatInt(film, 10) + "/" + name,
		AudioTrack: audio,
		Quality:    q,
	}, name
}

// parseSessionName reads a name made by sessionKey back.
func parseSessionName(name string) (audio int, q media.Quality, d media.Decision, err error) {
	bad := keyError(hypertube.ENOTFOUND, "player.noSession")
	parts := strings.Split(name, ".")
	if len(parts) != 3 || len(parts[2]) != 2 {
		return 0, 0, d, bad
	}
	audio, err = strconv.Atoi(parts[0])
	if err != nil || audio < 0 || audio > 63 || parts[0] != strconv.Itoa(audio) {
		return 0, 0, d, bad
	}
	q, err = media.ParseQuality(parts[1])
	if err != nil || q.String() != parts[1] {
		return 0, 0, d, bad
	}
	for i, c := range parts[2] {
		if c != 'c' && c != 'x' {
			return 0, 0, d, bad
		}
		if i == 0 {
			d.VideoCopy = c == 'c'
		} else {
			d.AudioCopy = c == 'c'
		}
	}
	d.Mode = media.Transcode
	if d.VideoCopy && d.AudioCopy {
		d.Mode = media.Remux
	}
	return audio, q, d, nil
}

// filmFile finds the film's torrent and video file, waiting for the
// metadata until ctx ends.
func (h *handler) filmFile(ctx context.Context, m *hypertube.Movie) (*hypertube.TorrentInfo, hypertube.TorrentFile, error) {
	infoHash, err := h.ensureTorrent(ctx, m)
	if err != nil {
		return nil, hypertube.TorrentFile{}, err
	}
	info, err := h.engine.Info(ctx, infoHash)
	if err != nil {
		if ctx.Err() != nil {
			err = keyError(hypertube.ETIMEOUT, "stream.noInfo")
		}
		return nil, hypertube.TorrentFile{}, err
	}
	f, err := chooseFile(info, m.FilePath)
	return info, f, err
}

// handlePlay decides how this browser plays the film (caps lists what it
// plays) with the audio track and quality asked for, starts the
// conversion when there must be one, and lists the film's subtitles.
func (h *handler) handlePlay(w http.ResponseWriter, r *http.Request) {
	m, err := h.movieFromPath(r)
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	q := r.URL.Query()
	caps, err := parseCaps(q.Get("caps"))
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	audio := 0
	if s := q.Get("audio"); s != "" {
		if audio, err = strconv.Atoi(s); err != nil || audio < 0 || audio > 63 {
			h.failJSON(w, r, keyError(hypertube.EINVALID, "player.badAudio"))
			return
		}
	}
	quality, err := media.ParseQuality(q.Get("quality"))
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	caps.MaxHeight = int(quality)

	ctx, cancel := context.WithTimeout(r.Context(), h.firstByteTimeout)
	defer cancel()
	info, f, err := h.filmFile(ctx, m)
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	ref := fileRef{infoHash: info.InfoHash, index: f.Index}
	if ref.infoHash == "" {
		ref.infoHash = m.InfoHash
	}
	probe, err := h.probe(ctx, r, ref)
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	if probe.Video() == nil {
		h.failJSON(w, r, keyError(hypertube.EINVALID, "player.noVideo"))
		return
	}
	tracks := audioTracks(probe)
	if audio >= max(len(tracks), 1) {
		h.failJSON(w, r, keyError(hypertube.EINVALID, "player.badAudio"))
		return
	}
	if v := probe.Video(); v.Height > 0 && int(quality) >= v.Height {
		// Nothing to scale down: the same conversion as the original's.
		quality = media.QualityOriginal
	}
	caps.MaxHeight = int(quality)
	d, forTrack := decide(probe, caps, audio)
	ans := playAnswer{
		Mode:        d.Mode.String(),
		Reason:      h.reason(r, d, forTrack, audio),
		Duration:    probe.Duration.Seconds(),
		AudioTrack:  audio,
		AudioTracks: tracks,
		Quality:     quality.String(),
		Qualities:   qualities(probe),
	}
	if d.Mode == media.DirectPlay {
		ans.Src = movieURL(m.ID) + "/stream"
	} else {
		key, name := sessionKey(r, m.ID, audio, quality, d)
		if _, err := h.openSession(r, m.ID, ref, probe, key, d); err != nil {
			h.failJSON(w, r, err)
			return
		}
		ans.Src = movieURL(m.ID) + "/hls/" + name + "/index.m3u8"
		if h.player.hlsJS != "" {
			ans.HLSJS = hlsJSURL
		}
	}
	ans.Subtitles = h.subtitleTracks(ctx, r, m, info, f, probe)
	writeJSON(w, http.StatusOK, ans)
}

func (h *handler) openSession(r *http.Request, film int64, ref fileRef, probe *media.Probe, key media.SessionKey, d media.Decision) (*media.Session, error) {
	if s, ok := h.player.manager.Get(key); ok {
		h.player.track(s, film)
		return s, nil
	}
	in, err := h.input(r, ref)
	if err != nil {
		return nil, err
	}
	s, err := h.player.manager.Open(key, media.Source{Input: in, Probe: probe, Decision: d})
	if err != nil {
		return nil, err
	}
	h.player.track(s, film)
	return s, nil
}

// audioTracks lists the audio streams of p with a label a person reads.
func audioTracks(p *media.Probe) []audioTrack {
	out := []audioTrack{}
	for _, s := range p.Streams {
		if s.Type != "audio" {
			continue
		}
		n := len(out)
		lang := languageCode(s.Language)
		label := languageName(lang)
		if label == "" {
			label = "Track " + strconv.Itoa(n+1)
		}
		if s.Title != "" && !strings.EqualFold(s.Title, label) {
			label += " – " + s.Title
		}
		label += " (" + strings.ToUpper(s.Codec)
		switch {
		case s.Channels == 1:
			label += ", mono"
		case s.Channels == 2:
			label += ", stereo"
		case s.Channels > 2:
			label += ", " + strconv.Itoa(s.Channels) + " ch"
		}
		label += ")"
		out = append(out, audioTrack{Index: n, Language: lang, Label: label})
	}
	return out
}

// qualities are the heights a viewer may choose: the original, and every
// smaller standard one.
func qualities(p *media.Probe) []string {
	out := []string{media.QualityOriginal.String()}
	height := 0
	if v := p.Video(); v != nil {
		height = v.Height
	}
	for _, q := range []media.Quality{media.Quality1080, media.Quality720, media.Quality480} {
		if height == 0 || int(q) < height {
			out = append(out, q.String())
		}
	}
	return out
}

// hlsSession finds or reopens the viewer's conversion named in the URL: a
// player that comes back after its conversion ended for idleness goes on
// where it was.
func (h *handler) hlsSession(r *http.Request) (*media.Session, *hypertube.Movie, error) {
	m, err := h.movieFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	audio, quality, d, err := parseSessionName(r.PathValue("key"))
	if err != nil {
		return nil, nil, err
	}
	key, _ := sessionKey(r, m.ID, audio, quality, d)
	if s, ok := h.player.manager.Get(key); ok {
		return s, m, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.firstByteTimeout)
	defer cancel()
	info, f, err := h.filmFile(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	ref := fileRef{infoHash: info.InfoHash, index: f.Index}
	if ref.infoHash == "" {
		ref.infoHash = m.InfoHash
	}
	probe, err := h.probe(ctx, r, ref)
	if err != nil {
		return nil, nil, err
	}
	s, err := h.openSession(r, m.ID, ref, probe, key, d)
	return s, m, err
}

// handleHLSPlaylist serves the VOD playlist of a conversion: every segment
// of the whole film, so the player shows its length and seeks anywhere.
func (h *handler) handleHLSPlaylist(w http.ResponseWriter, r *http.Request) {
	s, m, err := h.hlsSession(r)
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	now := h.now()
	if err := h.movies.MarkMovieWatched(r.Context(), m.ID, now); err != nil {
		h.log.Warn("mark watched", "movie", m.ID, "err", err)
	}
	if err := h.watches.RecordWatch(r.Context(), userOf(r).ID, m.ID, 0, 0, now); err != nil {
		h.log.Warn("record watch", "movie", m.ID, "err", err)
	}
	w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(s.Playlist())
}

// handleHLSSegment serves one segment, making it when it is not there yet.
func (h *handler) handleHLSSegment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("segment")
	digits, ok := strings.CutPrefix(name, "seg")
	if ok {
		digits, ok = strings.CutSuffix(digits, ".ts")
	}
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n < 0 || digits != strconv.Itoa(n) {
		h.failJSON(w, r, keyError(hypertube.ENOTFOUND, "player.noSegment"))
		return
	}
	s, _, err := h.hlsSession(r)
	if err != nil {
		h.failJSON(w, r, err)
		return
	}
	p, err := s.Segment(r.Context(), n)
	if err != nil {
		if r.Context().Err() != nil {
			return // the player gave up on it
		}
		h.failJSON(w, r, err)
		return
	}
	f, err := os.Open(p)
	if err != nil {
		// The session ended between making the segment and now.
		h.failJSON(w, r, keyError(hypertube.ENOTFOUND, "player.noSession"))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "video/mp2t")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", time.Time{}, f)
}
