package media

import (
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// Converted films are served as HLS, not as one fragmented MP4 stream:
//
// A VOD playlist lists every segment of the film's full duration before any
// is made, so the player shows the real length and can seek anywhere at
// once. Segments are made on demand: a request for a segment far from where
// ffmpeg is working restarts ffmpeg at that segment's start time ("-ss"
// before "-i", which seeks in the input instead of decoding up to the
// point), reading our own stream endpoint over HTTP, so Range reads go
// through the torrent reader and the pieces around the seek point come
// first. "-output_ts_offset" keeps every segment's timestamps on the film's
// clock whichever run made it, so segments from different runs line up.
//
// Transcodes force a keyframe every SegmentDuration seconds, so every
// segment is exactly that long and a restart at segment n makes the same
// segment n as a run from the start would. Remuxes copy the video and can
// cut only at the file's own keyframes: a segment then starts at the
// first keyframe at or after its nominal start (at or before it, for the
// first segment of a restarted run). That keeps the playlist true only when
// there is a keyframe in every segment's stretch, so Decide copies the
// video only when the probe saw keyframes at least every
// DefaultSegmentDuration in the head of the file (Probe.MaxKeyframeGap);
// with sparser ones (x264's default is one every 10 s) ffmpeg would cut a
// segment per keyframe, number them on, and the playlist's later segments
// would hold the wrong part of the film or never be made. Finding every
// keyframe would mean reading the whole film from the torrent before
// playing it, so the head stands for the rest; the player (hls.js) places
// each segment by its own timestamps, and since a run always starts at or
// before the point asked for, runs overlap and never leave a gap.
//
// A fragmented MP4 stream would be simpler to serve, but the browser would
// not know its duration, and every seek would mean a new request the page
// has to manage and a player that starts over; HLS gets both from a
// standard player library.

// DefaultSegmentDuration is the nominal length of an HLS segment. The
// player shows nothing until the first segment it asks for is complete,
// and ffmpeg completes it only once it has read the film past the
// segment's end, from a swarm that may send barely faster than the film
// plays: so Play and every seek wait about one segment's worth of
// download. 6 s segments kept the viewer waiting 10–15 s on the bench's
// swarm; 2 s is as short as a remux can go with the keyframe interval of
// files made for streaming (files with sparser keyframes are re-encoded,
// see Decide), and a two-hour film still lists only 3,600 segments.
const DefaultSegmentDuration = 2 * time.Second

// Quality is the height of a transcode's picture; QualityOriginal keeps the
// source's.
type Quality int

// Qualities offered to viewers.
const (
	QualityOriginal Quality = 0
	Quality480      Quality = 480
	Quality720      Quality = 720
	Quality1080     Quality = 1080
)

// maxBitrate caps each quality's video bit rate, in bits per second, so that
// a conversion fits the viewer's connection.
var maxBitrate = map[Quality]int{Quality480: 1_500_000, Quality720: 3_000_000, Quality1080: 6_000_000}

// ParseQuality reads "480p", "720", "1080p" or "original" ("" too).
func ParseQuality(s string) (Quality, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "", "original":
		return QualityOriginal, nil
	case "480", "480p":
		return Quality480, nil
	case "720", "720p":
		return Quality720, nil
	case "1080", "1080p":
		return Quality1080, nil
	}
	return 0, hypertube.Errorf(hypertube.EINVALID, "Unknown quality %q: choose 480p, 720p, 1080p or original.", s)
}

func (q Quality) String() string {
	if q == QualityOriginal {
		return "original"
	}
	return strconv.Itoa(int(q)) + "p"
}

// HLSSpec is one ffmpeg run making HLS segments.
type HLSSpec struct {
	// Input is an http:// or https:// URL, or a local path.
	Input string
	// StartSegment is the number of the first segment this run makes; it
	// starts at StartSegment×SegmentDuration into the film.
	StartSegment    int
	SegmentDuration time.Duration // 0 means DefaultSegmentDuration
	// Dir receives the segments, named seg<N>.ts.
	Dir        string
	AudioTrack int // index among the audio streams: 0 is the first
	VideoCopy  bool
	AudioCopy  bool
	Quality    Quality
	// SourceHeight is the input's picture height; a quality below it
	// scales the picture down, and so cannot copy the video.
	SourceHeight int
	Preset       string // libx264 preset; "" means "veryfast"
	// ShortProbe lets ffmpeg look at little of the input before it starts:
	// for containers whose header describes every stream (MP4, Matroska),
	// which the server has probed already. By default ffmpeg reads 5 s of
	// every stream first, from the start of the film even when it is to
	// seek, and on a torrent those bytes may still be downloading.
	ShortProbe bool
}

// SegmentName is the file name of segment n in a run's Dir.
func SegmentName(n int) string { return "seg" + strconv.Itoa(n) + ".ts" }

// copySeekSlack is how far past a segment's start a copy seeks, so that it
// begins at the keyframe that starts the segment: more than a film's start
// offset, well under a keyframe interval.
const copySeekSlack = 250 * time.Millisecond

// HLSArgs returns the ffmpeg arguments of spec.
func HLSArgs(spec HLSSpec) []string {
	d := spec.SegmentDuration
	if d <= 0 {
		d = DefaultSegmentDuration
	}
	scale := spec.Quality != QualityOriginal && (spec.SourceHeight == 0 || int(spec.Quality) < spec.SourceHeight)
	copyVideo := spec.VideoCopy && !scale
	start := time.Duration(spec.StartSegment) * d
	if copyVideo && start > 0 {
		// A copy starts at the keyframe at or before -ss. Films rarely
		// start at 0 (AAC priming puts keyframes at 40.04 s, not 40 s), so
		// -ss 40 would begin at the keyframe before, 38.04 s: every segment
		// of the run would hold the two seconds before the playlist's, and
		// a player seeking to 42 s would wait for one segment more.
		start += copySeekSlack
	}
	input := spec.Input
	if !strings.HasPrefix(input, "http://") && !strings.HasPrefix(input, "https://") {
		// "file:" keeps a name such as "-i" from reading as an option.
		input = "file:" + input
	}

	args := []string{"-hide_banner", "-nostats", "-v", "error", "-y"}
	if spec.ShortProbe {
		args = append(args, "-probesize", "1000000", "-analyzeduration", "500000")
	}
	if start > 0 {
		args = append(args, "-ss", formatSeconds(start))
	}
	args = append(args, "-i", input,
		"-map", "0:v:0", "-map", "0:a:"+strconv.Itoa(max(spec.AudioTrack, 0)),
		// Subtitles and attachments (MKV fonts) go to their own tracks.
		"-sn", "-dn", "-map_chapters", "-1",
	)

	if copyVideo {
		args = append(args, "-c:v", "copy")
	} else {
		preset := spec.Preset
		if preset == "" {
			preset = "veryfast"
		}
		args = append(args, "-c:v", "libx264", "-preset", preset, "-crf", "23",
			"-pix_fmt", "yuv420p", "-profile:v", "high",
			// A keyframe at each segment boundary, counted from this run's
			// start, which is itself a boundary.
			"-force_key_frames", "expr:gte(t,n_forced*"+formatSeconds(d)+")",
			"-sc_threshold", "0")
		if scale {
			args = append(args, "-vf", "scale=-2:"+strconv.Itoa(int(spec.Quality)))
		}
		if rate, ok := maxBitrate[spec.Quality]; ok {
			args = append(args, "-maxrate", strconv.Itoa(rate), "-bufsize", strconv.Itoa(2*rate))
		}
	}
	if spec.AudioCopy {
		args = append(args, "-c:a", "copy")
	} else {
		// Browsers decode stereo AAC everywhere; 5.1 AC-3 or DTS do not.
		args = append(args, "-c:a", "aac", "-b:a", "160k", "-ac", "2")
	}
	if start > 0 {
		args = append(args, "-output_ts_offset", formatSeconds(start))
	}
	return append(args,
		// MPEG-TS otherwise delays everything by 1.4 s, which would shift
		// segments away from the playlist's clock.
		"-muxdelay", "0", "-muxpreload", "0",
		"-f", "hls",
		"-hls_time", formatSeconds(d),
		"-hls_list_size", "0",
		"-hls_segment_type", "mpegts",
		// A segment appears under its name only once it is complete.
		"-hls_flags", "temp_file",
		"-start_number", strconv.Itoa(spec.StartSegment),
		"-hls_segment_filename", "file:"+strings.TrimSuffix(spec.Dir, "/")+"/seg%d.ts",
		"file:"+strings.TrimSuffix(spec.Dir, "/")+"/ffmpeg.m3u8",
	)
}

// Playlist returns a VOD HLS playlist listing every segment of a film
// lasting duration, named by SegmentName relative to the playlist's URL.
func Playlist(duration, segment time.Duration) []byte {
	if segment <= 0 {
		segment = DefaultSegmentDuration
	}
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	// Remuxed segments may run up to a GOP longer than nominal; players
	// only use the target duration to pace reloads of live playlists.
	b.WriteString("#EXT-X-TARGETDURATION:" + strconv.Itoa(int((segment+time.Second-1)/time.Second)+1) + "\n")
	b.WriteString("#EXT-X-MEDIA-SEQUENCE:0\n")
	n := segmentCount(duration, segment)
	for i := range n {
		length := segment
		if i == n-1 {
			length = duration - time.Duration(i)*segment
		}
		b.WriteString("#EXTINF:" + strconv.FormatFloat(length.Seconds(), 'f', 3, 64) + ",\n" + SegmentName(i) + "\n")
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// segmentCount is how many segments a film of duration has. A tail shorter
// than a tenth of a second, such as the last audio frame, joins the segment
// before it: ffmpeg may not cut a segment of its own for it.
func segmentCount(duration, segment time.Duration) int {
	if duration <= 0 {
		return 0
	}
	n := int((duration + segment - 1) / segment)
	if n > 1 && duration-time.Duration(n-1)*segment < 100*time.Millisecond {
		n--
	}
	return n
}
