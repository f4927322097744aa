package media_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

// hasSeq reports whether seq appears in args as consecutive elements.
func hasSeq(args []string, seq ...string) bool {
	for i := 0; i+len(seq) <= len(args); i++ {
		if slices.Equal(args[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}

func TestTestFilmArgs(t *testing.T) {
	tests := []struct {
		name   string
		spec   media.TestFilm
		want   [][]string // sequences that must appear
		absent []string   // arguments that must not appear
	}{
		{
			name: "defaults",
			spec: media.TestFilm{Out: "/tmp/a.mp4", Duration: 3 * time.Second},
			want: [][]string{
				{"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=3"},
				{"-f", "lavfi", "-i", "sine=frequency=440:beep_factor=2:sample_rate=48000:duration=3"},
				{"-map", "0:v:0"}, {"-map", "1:a:0"},
				{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "50"},
				{"-preset", "ultrafast", "-keyint_min", "50", "-sc_threshold", "0"},
				{"-c:a", "aac", "-b:a", "128k", "-ac", "2"},
				{"-disposition:a:0", "default"},
				{"-t", "3", "-f", "mp4", "file:/tmp/a.mp4"},
			},
			absent: []string{"-movflags", "-metadata", "-b:v", "-c:s"},
		},
		{
			name: "faststart mp4 with bitrate and title",
			spec: media.TestFilm{Out: "out.MP4", Duration: 2500 * time.Millisecond, Width: 854, Height: 480, FPS: 30,
				VideoBitrate: 2_000_000, Faststart: true, Title: "Color Bars", Keyint: 15},
			want: [][]string{
				{"-i", "testsrc2=size=854x480:rate=30:duration=2.5"},
				{"-g", "15"},
				{"-b:v", "2000000", "-maxrate", "2000000", "-bufsize", "4000000"},
				{"-metadata", "title=Color Bars"},
				{"-movflags", "+faststart"},
				{"-f", "mp4", "file:out.MP4"},
			},
		},
		{
			name: "mkv with two languages and a subtitle",
			spec: media.TestFilm{Out: "/x/film.mkv", Duration: time.Minute, AudioTracks: []string{"eng", "fra"},
				Subtitle: "/x/sub.srt", SubtitleLanguage: "eng", AudioCodec: "ac3"},
			want: [][]string{
				{"-i", "sine=frequency=440:beep_factor=2:sample_rate=48000:duration=60"},
				{"-i", "sine=frequency=660:beep_factor=2:sample_rate=48000:duration=60"},
				{"-i", "file:/x/sub.srt"},
				{"-map", "0:v:0", "-map", "1:a:0", "-map", "2:a:0", "-map", "3:s:0"},
				{"-c:a", "ac3", "-b:a", "192k"},
				{"-metadata:s:a:0", "language=eng", "-disposition:a:0", "default"},
				{"-metadata:s:a:1", "language=fra", "-disposition:a:1", "0"},
				{"-c:s", "srt", "-metadata:s:s:0", "language=eng"},
				{"-f", "matroska", "file:/x/film.mkv"},
			},
			absent: []string{"-movflags"},
		},
		{
			name: "mp4 subtitle is mov_text, mp3 is lame",
			spec: media.TestFilm{Out: "a.mp4", Duration: time.Second, Subtitle: "s.srt", AudioCodec: "mp3"},
			want: [][]string{{"-c:s", "mov_text"}, {"-c:a", "libmp3lame"}},
		},
		{
			name: "hevc in mp4 is tagged hvc1",
			spec: media.TestFilm{Out: "a.mp4", Duration: time.Second, VideoCodec: "libx265"},
			want: [][]string{
				{"-c:v", "libx265"}, {"-preset", "ultrafast"},
				{"-x265-params", "log-level=error:keyint=50:min-keyint=50:scenecut=0"},
				{"-tag:v", "hvc1"},
			},
		},
		{
			name:   "hevc in mkv is not retagged",
			spec:   media.TestFilm{Out: "a.mkv", Duration: time.Second, VideoCodec: "libx265"},
			absent: []string{"-tag:v"},
		},
		{
			name: "mpeg4 picks a quantiser",
			spec: media.TestFilm{Out: "a.mov", Duration: time.Second, VideoCodec: "mpeg4"},
			want: [][]string{{"-c:v", "mpeg4"}, {"-q:v", "4"}, {"-f", "mov"}},
		},
		{
			name: "webm vp9 opus",
			spec: media.TestFilm{Out: "a.webm", Duration: time.Second, VideoCodec: "libvpx-vp9", AudioCodec: "libopus", Subtitle: "a.srt"},
			want: [][]string{
				{"-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1"},
				{"-crf", "35", "-b:v", "0"},
				{"-c:a", "libopus", "-b:a", "96k"},
				{"-c:s", "webvtt"},
				{"-f", "webm"},
			},
		},
		{
			name: "an output path that looks like an option stays a file",
			spec: media.TestFilm{Out: "-evil.mp4", Duration: time.Second},
			want: [][]string{{"file:-evil.mp4"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, err := media.TestFilmArgs(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, seq := range tt.want {
				if !hasSeq(args, seq...) {
					t.Errorf("missing %q in %q", seq, args)
				}
			}
			for _, a := range tt.absent {
				if slices.Contains(args, a) {
					t.Errorf("unexpected %q in %q", a, args)
				}
			}
			if last := args[len(args)-1]; last != "file:"+tt.spec.Out {
				t.Errorf("last argument = %q, want the output", last)
			}
		})
	}
}

func TestTestFilmArgsRejects(t *testing.T) {
	ok := media.TestFilm{Out: "a.mp4", Duration: time.Second}
	tests := []struct {
		name   string
		change func(*media.TestFilm)
		want   string // part of the message
	}{
		{"no output", func(s *media.TestFilm) { s.Out = "" }, "output path"},
		{"unknown container", func(s *media.TestFilm) { s.Out = "a.avi" }, ".avi"},
		{"no duration", func(s *media.TestFilm) { s.Duration = 0 }, "last"},
		{"too long", func(s *media.TestFilm) { s.Duration = 2 * time.Hour }, "last"},
		{"odd size", func(s *media.TestFilm) { s.Width, s.Height = 641, 360 }, "even"},
		{"huge size", func(s *media.TestFilm) { s.Width, s.Height = 7680, 4320 }, "3840x2160"},
		{"bad fps", func(s *media.TestFilm) { s.FPS = 500 }, "frame rate"},
		{"bad keyint", func(s *media.TestFilm) { s.Keyint = -1 }, "keyframe"},
		{"negative bitrate", func(s *media.TestFilm) { s.VideoBitrate = -1 }, "bit rate"},
		{"unknown video codec", func(s *media.TestFilm) { s.VideoCodec = "h264_nvenc" }, "h264_nvenc"},
		{"unknown audio codec", func(s *media.TestFilm) { s.AudioCodec = "flac" }, "flac"},
		{"webm with h264", func(s *media.TestFilm) { s.Out = "a.webm" }, "WebM"},
		{"faststart mkv", func(s *media.TestFilm) { s.Out, s.Faststart = "a.mkv", true }, "Faststart"},
		{"bad language", func(s *media.TestFilm) { s.AudioTracks = []string{"en;rm -rf"} }, "language"},
		{"too many tracks", func(s *media.TestFilm) { s.AudioTracks = make([]string, 9) }, "at most 8"},
		{"subtitle not srt", func(s *media.TestFilm) { s.Subtitle = "a.ass" }, ".srt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := ok
			tt.change(&spec)
			args, err := media.TestFilmArgs(spec)
			if err == nil {
				t.Fatalf("no error; args %q", args)
			}
			if code := hypertube.ErrorCode(err); code != hypertube.EINVALID {
				t.Errorf("code = %q, want %q", code, hypertube.EINVALID)
			}
			if msg := hypertube.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not mention %q", msg, tt.want)
			}
		})
	}
}

func TestPosterArgs(t *testing.T) {
	args := media.PosterArgs("/films/a.mp4", "/films/poster.jpg", 12500*time.Millisecond, 342, 513)
	for _, seq := range [][]string{
		{"-ss", "12.5", "-i", "file:/films/a.mp4"},
		{"-frames:v", "1"},
		{"-vf", "scale=342:513:force_original_aspect_ratio=decrease,pad=342:513:(ow-iw)/2:(oh-ih)/2:color=0x101018,setsar=1,format=yuvj444p"},
		{"-f", "image2", "file:/films/poster.jpg"},
	} {
		if !hasSeq(args, seq...) {
			t.Errorf("missing %q in %q", seq, args)
		}
	}
}
