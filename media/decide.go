package media

import (
	"slices"
	"strconv"
	"strings"
)

// Mode is how a file reaches the browser.
type Mode int

const (
	// DirectPlay serves the file's bytes as they are, with Range requests
	// through the torrent reader.
	DirectPlay Mode = iota
	// Remux copies the streams into HLS segments without re-encoding them.
	Remux
	// Transcode re-encodes at least one stream.
	Transcode
)

func (m Mode) String() string {
	switch m {
	case DirectPlay:
		return "direct"
	case Remux:
		return "remux"
	case Transcode:
		return "transcode"
	}
	return "unknown"
}

// Capabilities is what the viewer's browser says it plays, from
// canPlayType and MediaSource.isTypeSupported. Names are lowercase:
// containers "mp4", "webm", "matroska"; video codecs "h264", "hevc", "vp9",
// "av1"; audio codecs "aac", "opus", "mp3", "flac", "vorbis".
type Capabilities struct {
	Containers  []string
	VideoCodecs []string
	AudioCodecs []string
	// MaxHeight is the tallest picture the viewer wants to receive; 0 means
	// no limit.
	MaxHeight int
}

// Decision says how to play a file and why.
type Decision struct {
	Mode      Mode
	VideoCopy bool // the video stream is kept as it is
	AudioCopy bool // the audio stream is kept as it is
	// Why is the reason for the choice, and Container, Video and Audio
	// name what the file holds ("MKV", "H.264"; "" for none or unknown),
	// for a page to say it in its viewer's language; Height is the picture
	// height a WhyScaled video is brought down to.
	Why                     Why
	Container, Video, Audio string
	Height                  int
	// Reason says the same in English, for logs.
	Reason string
}

// Why is the reason behind a Decision.
type Why int

const (
	WhyPlays        Why = iota // the browser plays the file as it is
	WhySparseKeys              // keyframes too far apart to copy the video into segments
	WhyCopy                    // the streams are copied into HLS
	WhyCopyMatroska            // the same, for Matroska the browser plays but cannot seek well
	WhyAudio                   // the video is copied, the audio converted to AAC
	WhyScaled                  // the video is scaled down to Height, the audio copied
	WhyVideo                   // the video is converted to H.264, the audio copied
	WhyBoth                    // both are converted
)

// Converted streams are HLS with MPEG-TS segments: H.264 and AAC are what
// every browser decodes from them, so only those are ever copied into one.
const (
	hlsVideo = "h264"
	hlsAudio = "aac"
)

// Decide chooses how the first video and audio streams of p reach a browser
// that plays caps. It is the table media servers use: the file as it is
// when the browser plays container and codecs, else a copy of the streams
// into HLS, else a conversion of what the browser cannot decode to
// H.264/AAC.
//
// Matroska is always remuxed, even for a browser that says it plays it:
// Chromium does play MKV with H.264/AAC, but it seeks only through the Cues
// index, which muxers put at the end of the file or leave out, so on a
// half-downloaded torrent seeking fails or reads the whole file. Copying
// into HLS costs almost no CPU and gives the full duration and seeking
// anywhere.
//
// A copy into HLS also needs keyframes at least every
// DefaultSegmentDuration (p.MaxKeyframeGap); otherwise the video is
// re-encoded, which places them.
func Decide(p *Probe, caps Capabilities) Decision {
	container := containerOf(p)
	v, a := p.Video(), p.Audio()
	vName, aName := "no video", "no audio"
	if v != nil {
		vName = codecName(v.Codec)
	}
	if a != nil {
		aName = codecName(a.Codec)
	}
	what := containerName(container) + " with " + vName + "/" + aName + ": "
	d := Decision{Container: containerName(container), Video: vName, Audio: aName}
	if container == "" {
		d.Container = ""
	}
	if v == nil {
		d.Video = ""
	}
	if a == nil {
		d.Audio = ""
	}

	tooTall := v != nil && caps.MaxHeight > 0 && v.Height > caps.MaxHeight
	videoPlays := v == nil || slices.Contains(caps.VideoCodecs, v.Codec) && !tooTall
	audioPlays := a == nil || slices.Contains(caps.AudioCodecs, a.Codec)
	directContainer := container == "mp4" || container == "webm"
	if directContainer && slices.Contains(caps.Containers, container) && videoPlays && audioPlays {
		d.Mode, d.VideoCopy, d.AudioCopy, d.Why = DirectPlay, true, true, WhyPlays
		d.Reason = what + "played as it is"
		return d
	}

	videoCopy := v == nil || v.Codec == hlsVideo && slices.Contains(caps.VideoCodecs, hlsVideo) && !tooTall
	// A copied video is cut only at its own keyframes: further apart than
	// a segment, segments would come out longer than the playlist says and
	// fewer, and every later one would be misplaced.
	sparseKeys := v != nil && videoCopy && !p.KeyframesEvery(DefaultSegmentDuration)
	videoCopy = videoCopy && !sparseKeys
	audioCopy := a == nil || a.Codec == hlsAudio && slices.Contains(caps.AudioCodecs, hlsAudio)
	d.Mode, d.VideoCopy, d.AudioCopy = Transcode, videoCopy, audioCopy
	switch {
	case sparseKeys:
		d.Why = WhySparseKeys
		d.Reason = what + "keyframes too far apart to cut without re-encoding: video re-encoded"
		if audioCopy {
			d.Reason += ", audio copied"
		} else {
			d.Reason += ", audio converted to AAC"
		}
	case videoCopy && audioCopy:
		d.Mode, d.Why = Remux, WhyCopy
		d.Reason = what + "copied into HLS without re-encoding"
		if container == "matroska" && slices.Contains(caps.Containers, "matroska") {
			d.Why = WhyCopyMatroska
			d.Reason += " (seeking in MKV is unreliable in browsers)"
		}
	case videoCopy:
		d.Why = WhyAudio
		d.Reason = what + "video copied, audio converted to AAC"
	case audioCopy && tooTall:
		d.Why, d.Height = WhyScaled, caps.MaxHeight
		d.Reason = what + "video scaled down to " + strconv.Itoa(caps.MaxHeight) + "p H.264, audio copied"
	case audioCopy:
		d.Why = WhyVideo
		d.Reason = what + "video converted to H.264, audio copied"
	default:
		d.Why = WhyBoth
		d.Reason = what + "video converted to H.264, audio to AAC"
	}
	return d
}

// containerOf names p's container the way Capabilities does. ffprobe says
// "matroska,webm" for both; a file counts as WebM when its codecs are WebM's.
func containerOf(p *Probe) string {
	names := strings.Split(p.FormatName, ",")
	switch {
	case slices.Contains(names, "mp4") || slices.Contains(names, "mov"):
		return "mp4"
	case slices.Contains(names, "matroska"):
		for _, s := range p.Streams {
			switch {
			case s.Type == "video" && !slices.Contains([]string{"vp8", "vp9", "av1"}, s.Codec),
				s.Type == "audio" && !slices.Contains([]string{"opus", "vorbis"}, s.Codec):
				return "matroska"
			}
		}
		return "webm"
	case len(names) > 0:
		return names[0]
	}
	return ""
}

// describesStreams reports whether p's container says in its header all
// that a decoder needs of its streams.
func describesStreams(p *Probe) bool {
	switch containerOf(p) {
	case "mp4", "matroska", "webm":
		return true
	}
	return false
}

var containerNames = map[string]string{
	"mp4": "MP4", "webm": "WebM", "matroska": "MKV", "avi": "AVI", "mpegts": "MPEG-TS",
	"flv": "FLV", "asf": "WMV", "ogg": "Ogg",
}

var codecNames = map[string]string{
	"h264": "H.264", "hevc": "HEVC", "mpeg4": "MPEG-4", "msmpeg4v3": "DivX 3", "mpeg2video": "MPEG-2",
	"mpeg1video": "MPEG-1", "vp8": "VP8", "vp9": "VP9", "av1": "AV1", "wmv3": "WMV", "vc1": "VC-1",
	"aac": "AAC", "ac3": "AC-3", "eac3": "E-AC-3", "dts": "DTS", "truehd": "TrueHD", "mp3": "MP3",
	"mp2": "MP2", "opus": "Opus", "flac": "FLAC", "vorbis": "Vorbis", "wmav2": "WMA",
}

func containerName(c string) string {
	if n, ok := containerNames[c]; ok {
		return n
	}
	if c == "" {
		return "A file"
	}
	return strings.ToUpper(c)
}

func codecName(c string) string {
	if n, ok := codecNames[c]; ok {
		return n
	}
	return strings.ToUpper(c)
}
