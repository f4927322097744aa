package media

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// TestFilm describes a synthetic film: ffmpeg's testsrc2 pattern with one
// sine tone per audio track, each track at its own pitch so that a person
// hears which track plays. The demo library and test fixtures are made of
// these.
type TestFilm struct {
	// Out is the output path. Its extension picks the container: .mp4,
	// .m4v, .mov, .mkv or .webm.
	Out      string
	Duration time.Duration
	Width    int // pixels, even; 0 means 640
	Height   int // pixels, even; 0 means 360
	FPS      int // 0 means 25
	// VideoCodec is an ffmpeg encoder: "libx264" (the default), "libx265",
	// "mpeg4" or "libvpx-vp9".
	VideoCodec string
	// VideoBitrate is in bits per second; 0 lets the encoder pick a quality.
	VideoBitrate int
	// AudioCodec is "aac" (the default), "ac3", "mp3" or "libopus".
	AudioCodec string
	// AudioTracks holds one language (ISO 639-2, "eng") per audio track, ""
	// for an untagged one. Nil means one untagged track.
	AudioTracks []string
	// Faststart puts an MP4's index (moov) before its media, which lets a
	// browser start playing before the whole file is there.
	Faststart bool
	// Subtitle is the path of an .srt file muxed as a soft subtitle.
	Subtitle         string
	SubtitleLanguage string
	Title            string
	// Keyint is the number of frames between keyframes; 0 means two
	// seconds' worth. Keyframes come at exactly this interval, which later
	// lets HLS cut segments of equal length.
	Keyint int
}

// containers maps an output extension to ffmpeg's muxer and the subtitle
// codec that muxer takes.
var containers = map[string]struct{ muxer, subtitle string }{
	".mp4":  {"mp4", "mov_text"},
	".m4v":  {"mp4", "mov_text"},
	".mov":  {"mov", "mov_text"},
	".mkv":  {"matroska", "srt"},
	".webm": {"webm", "webvtt"},
}

var audioEncoders = map[string]struct{ encoder, bitrate string }{
	"aac":     {"aac", "128k"},
	"ac3":     {"ac3", "192k"},
	"mp3":     {"libmp3lame", "128k"},
	"libopus": {"libopus", "96k"},
}

// TestFilmArgs returns the ffmpeg arguments that make spec, or an EINVALID
// error that says what is wrong with it.
func TestFilmArgs(spec TestFilm) ([]string, error) {
	s, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(s.Out))
	box := containers[ext]
	audio := audioEncoders[s.AudioCodec]
	dur := formatSeconds(s.Duration)

	args := []string{"-hide_banner", "-nostats", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=" + strconv.Itoa(s.Width) + "x" + strconv.Itoa(s.Height) +
			":rate=" + strconv.Itoa(s.FPS) + ":duration=" + dur,
	}
	for i := range s.AudioTracks {
		// A beep each second on top of the tone makes drift between picture
		// and sound audible.
		args = append(args, "-f", "lavfi", "-i", "sine=frequency="+strconv.Itoa(440+220*i)+
			":beep_factor=2:sample_rate=48000:duration="+dur)
	}
	if s.Subtitle != "" {
		args = append(args, "-i", "file:"+s.Subtitle)
	}

	args = append(args, "-map", "0:v:0")
	for i := range s.AudioTracks {
		args = append(args, "-map", strconv.Itoa(i+1)+":a:0")
	}
	if s.Subtitle != "" {
		args = append(args, "-map", strconv.Itoa(len(s.AudioTracks)+1)+":s:0")
	}

	args = append(args, videoArgs(s, ext)...)
	args = append(args, "-c:a", audio.encoder, "-b:a", audio.bitrate, "-ac", "2")
	for i, lang := range s.AudioTracks {
		n := strconv.Itoa(i)
		if lang != "" {
			args = append(args, "-metadata:s:a:"+n, "language="+lang)
		}
		disposition := "0"
		if i == 0 {
			disposition = "default"
		}
		args = append(args, "-disposition:a:"+n, disposition)
	}
	if s.Subtitle != "" {
		args = append(args, "-c:s", box.subtitle)
		if s.SubtitleLanguage != "" {
			args = append(args, "-metadata:s:s:0", "language="+s.SubtitleLanguage)
		}
	}
	if s.Title != "" {
		args = append(args, "-metadata", "title="+s.Title)
	}
	if s.Faststart {
		args = append(args, "-movflags", "+faststart")
	}
	// The muxer is named rather than guessed so that the file may be
	// written under a temporary name.
	return append(args, "-t", dur, "-f", box.muxer, "file:"+s.Out), nil
}

func videoArgs(s TestFilm, ext string) []string {
	keyint := strconv.Itoa(s.Keyint)
	args := []string{"-c:v", s.VideoCodec, "-pix_fmt", "yuv420p", "-g", keyint}
	switch s.VideoCodec {
	case "libx264":
		args = append(args, "-preset", "ultrafast", "-keyint_min", keyint, "-sc_threshold", "0")
	case "libx265":
		args = append(args, "-preset", "ultrafast",
			"-x265-params", "log-level=error:keyint="+keyint+":min-keyint="+keyint+":scenecut=0")
		if ext != ".mkv" {
			// Safari and the MP4 family want HEVC tagged hvc1, not hev1.
			args = append(args, "-tag:v", "hvc1")
		}
	case "libvpx-vp9":
		args = append(args, "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1")
	}
	switch {
	case s.VideoBitrate > 0:
		rate := strconv.Itoa(s.VideoBitrate)
		args = append(args, "-b:v", rate, "-maxrate", rate, "-bufsize", strconv.Itoa(2*s.VideoBitrate))
	case s.VideoCodec == "mpeg4":
		args = append(args, "-q:v", "4")
	case s.VideoCodec == "libvpx-vp9":
		args = append(args, "-crf", "35", "-b:v", "0")
	}
	return args
}

func (s TestFilm) withDefaults() (TestFilm, error) {
	invalid := func(format string, args ...any) (TestFilm, error) {
		return s, hypertube.Errorf(hypertube.EINVALID, format, args...)
	}
	if s.Width == 0 && s.Height == 0 {
		s.Width, s.Height = 640, 360
	}
	if s.FPS == 0 {
		s.FPS = 25
	}
	if s.VideoCodec == "" {
		s.VideoCodec = "libx264"
	}
	if s.AudioCodec == "" {
		s.AudioCodec = "aac"
	}
	if s.AudioTracks == nil {
		s.AudioTracks = []string{""}
	}
	if s.Keyint == 0 {
		s.Keyint = 2 * s.FPS
	}

	ext := strings.ToLower(filepath.Ext(s.Out))
	switch {
	case s.Out == "":
		return invalid("The test film needs an output path.")
	case containers[ext].muxer == "":
		return invalid("The test film's file name must end in .mp4, .m4v, .mov, .mkv or .webm, not %q.", ext)
	case s.Duration <= 0 || s.Duration > time.Hour:
		return invalid("The test film must last between a moment and an hour, not %v.", s.Duration)
	case s.Width <= 0 || s.Height <= 0 || s.Width > 3840 || s.Height > 2160 || s.Width%2 != 0 || s.Height%2 != 0:
		return invalid("The test film's size must be even and at most 3840x2160, not %dx%d.", s.Width, s.Height)
	case s.FPS < 1 || s.FPS > 120:
		return invalid("The test film's frame rate must be between 1 and 120, not %d.", s.FPS)
	case s.Keyint < 1:
		return invalid("The keyframe interval must be at least one frame, not %d.", s.Keyint)
	case s.VideoBitrate < 0:
		return invalid("The video bit rate cannot be negative.")
	}
	switch s.VideoCodec {
	case "libx264", "libx265", "mpeg4", "libvpx-vp9":
	default:
		return invalid("Unknown video codec %q: use libx264, libx265, mpeg4 or libvpx-vp9.", s.VideoCodec)
	}
	if _, ok := audioEncoders[s.AudioCodec]; !ok {
		return invalid("Unknown audio codec %q: use aac, ac3, mp3 or libopus.", s.AudioCodec)
	}
	if ext == ".webm" && (s.VideoCodec != "libvpx-vp9" || s.AudioCodec != "libopus") {
		return invalid("A WebM film needs libvpx-vp9 video and libopus audio.")
	}
	if s.Faststart && containers[ext].muxer != "mp4" && containers[ext].muxer != "mov" {
		return invalid("Faststart only applies to MP4 and MOV files.")
	}
	if len(s.AudioTracks) > 8 {
		return invalid("A test film has at most 8 audio tracks, not %d.", len(s.AudioTracks))
	}
	for _, lang := range append([]string{s.SubtitleLanguage}, s.AudioTracks...) {
		if !isLanguage(lang) {
			return invalid("%q is not a language code such as \"eng\".", lang)
		}
	}
	if s.Subtitle != "" && strings.ToLower(filepath.Ext(s.Subtitle)) != ".srt" {
		return invalid("The subtitle must be an .srt file.")
	}
	return s, nil
}

// isLanguage accepts "" and short codes of ASCII letters, such as "eng" or
// "pt-BR".
func isLanguage(s string) bool {
	if len(s) > 8 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// PosterArgs returns the ffmpeg arguments that grab the frame of video at
// offset at and write it to out as a width×height JPEG, letterboxed so that
// any picture shape fits. The JPEG is 4:4:4 because 4:2:0 needs even sizes
// and the usual poster height, 513, is odd.
func PosterArgs(video, out string, at time.Duration, width, height int) []string {
	w, h := strconv.Itoa(width), strconv.Itoa(height)
	return []string{"-hide_banner", "-nostats", "-v", "error", "-y",
		"-ss", formatSeconds(at), "-i", "file:" + video,
		"-frames:v", "1",
		"-vf", "scale=" + w + ":" + h + ":force_original_aspect_ratio=decrease," +
			"pad=" + w + ":" + h + ":(ow-iw)/2:(oh-ih)/2:color=0x101018,setsar=1,format=yuvj444p",
		"-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "file:" + out,
	}
}

// formatSeconds writes d the way ffmpeg reads durations: "3", "2.5".
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// MakeTestFilm writes the film spec describes to spec.Out with ffmpeg; owner
// names the job in logs.
func (r *Runner) MakeTestFilm(ctx context.Context, owner string, spec TestFilm) error {
	args, err := TestFilmArgs(spec)
	if err != nil {
		return err
	}
	_, err = r.Run(ctx, owner, args)
	return err
}
