package media_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

func TestHLSArgs(t *testing.T) {
	tests := []struct {
		name   string
		spec   media.HLSSpec
		want   [][]string
		absent []string
	}{
		{
			name: "remux from the start",
			spec: media.HLSSpec{Input: "http://127.0.0.1:8080/stream/1", Dir: "/tmp/s", VideoCopy: true, AudioCopy: true},
			want: [][]string{
				{"-i", "http://127.0.0.1:8080/stream/1"},
				{"-map", "0:v:0", "-map", "0:a:0"},
				{"-c:v", "copy"}, {"-c:a", "copy"},
				{"-muxdelay", "0", "-muxpreload", "0"},
				{"-f", "hls", "-hls_time", "2"},
				{"-hls_flags", "temp_file"},
				{"-start_number", "0", "-hls_segment_filename", "file:/tmp/s/seg%d.ts", "file:/tmp/s/ffmpeg.m3u8"},
			},
			absent: []string{"-ss", "-output_ts_offset", "libx264", "-vf", "-force_key_frames", "-probesize"},
		},
		{
			name: "a probed Matroska film is not probed again at length",
			spec: media.HLSSpec{Input: "http://127.0.0.1:8080/stream/1", Dir: "/tmp/s", StartSegment: 3, VideoCopy: true, AudioCopy: true, ShortProbe: true},
			want: [][]string{
				// A copy seeks a little past the segment's start, to its keyframe.
				{"-probesize", "1000000", "-analyzeduration", "500000", "-ss", "6.25", "-i", "http://127.0.0.1:8080/stream/1"},
				{"-output_ts_offset", "6.25"},
			},
		},
		{
			name: "transcode from segment 10 with the second audio track",
			spec: media.HLSSpec{Input: "/films/a b.mkv", Dir: "/tmp/s/", StartSegment: 10, SegmentDuration: 4 * time.Second, AudioTrack: 1},
			want: [][]string{
				{"-ss", "40", "-i", "file:/films/a b.mkv"},
				{"-map", "0:v:0", "-map", "0:a:1"},
				{"-c:v", "libx264", "-preset", "veryfast", "-crf", "23"},
				{"-force_key_frames", "expr:gte(t,n_forced*4)", "-sc_threshold", "0"},
				{"-c:a", "aac", "-b:a", "160k", "-ac", "2"},
				{"-output_ts_offset", "40"},
				{"-hls_time", "4"},
				{"-start_number", "10", "-hls_segment_filename", "file:/tmp/s/seg%d.ts"},
			},
			absent: []string{"copy", "-vf", "-maxrate"},
		},
		{
			name: "720p of a 1080p film cannot copy the video",
			spec: media.HLSSpec{Input: "in.mkv", Dir: "d", VideoCopy: true, AudioCopy: true, Quality: media.Quality720, SourceHeight: 1080, Preset: "ultrafast"},
			want: [][]string{
				{"-c:v", "libx264", "-preset", "ultrafast"},
				{"-vf", "scale=-2:720"},
				{"-maxrate", "3000000", "-bufsize", "6000000"},
				{"-c:a", "copy"},
			},
		},
		{
			name: "1080p of a 480p film keeps its size",
			spec: media.HLSSpec{Input: "in.avi", Dir: "d", Quality: media.Quality1080, SourceHeight: 480},
			want: [][]string{
				{"-c:v", "libx264"},
				{"-maxrate", "6000000", "-bufsize", "12000000"},
			},
			absent: []string{"-vf"},
		},
		{
			name:   "480p of a copyable 480p film copies",
			spec:   media.HLSSpec{Input: "https://example.test/x", Dir: "d", VideoCopy: true, Quality: media.Quality480, SourceHeight: 480},
			want:   [][]string{{"-i", "https://example.test/x"}, {"-c:v", "copy"}, {"-c:a", "aac"}},
			absent: []string{"libx264", "-vf"},
		},
		{
			name: "a path that looks like an option stays a path",
			spec: media.HLSSpec{Input: "-i", Dir: "d"},
			want: [][]string{{"-i", "file:-i"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := media.HLSArgs(tt.spec)
			for _, seq := range tt.want {
				if !hasSeq(args, seq...) {
					t.Errorf("args lack %q:\n%q", seq, args)
				}
			}
			for _, a := range tt.absent {
				if slices.Contains(args, a) {
					t.Errorf("args hold %q:\n%q", a, args)
				}
			}
		})
	}
}

func TestPlaylist(t *testing.T) {
	tests := []struct {
		name     string
		duration time.Duration
		segment  time.Duration
		extinf   []string
	}{
		{"exact", 12 * time.Second, 4 * time.Second, []string{"4.000", "4.000", "4.000"}},
		{"short tail", 13500 * time.Millisecond, 4 * time.Second, []string{"4.000", "4.000", "4.000", "1.500"}},
		{"a last audio frame joins the segment before", 12040 * time.Millisecond, 4 * time.Second, []string{"4.000", "4.000", "4.040"}},
		{"shorter than a segment", 2 * time.Second, 0, []string{"2.000"}},
		{"no duration", 0, 4 * time.Second, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := string(media.Playlist(tt.duration, tt.segment))
			if !strings.HasPrefix(pl, "#EXTM3U\n") || !strings.Contains(pl, "#EXT-X-PLAYLIST-TYPE:VOD\n") || !strings.HasSuffix(pl, "#EXT-X-ENDLIST\n") {
				t.Fatalf("not a VOD playlist:\n%s", pl)
			}
			var got []string
			lines := strings.Split(pl, "\n")
			for i, l := range lines {
				if d, ok := strings.CutPrefix(l, "#EXTINF:"); ok {
					got = append(got, strings.TrimSuffix(d, ","))
					if want := media.SegmentName(len(got) - 1); lines[i+1] != want {
						t.Errorf("segment %d is %q, want %q", len(got)-1, lines[i+1], want)
					}
				}
			}
			if !slices.Equal(got, tt.extinf) {
				t.Errorf("durations %q, want %q", got, tt.extinf)
			}
		})
	}
}

func TestParseQuality(t *testing.T) {
	for in, want := range map[string]media.Quality{"": media.QualityOriginal, "original": media.QualityOriginal,
		"480p": media.Quality480, "720": media.Quality720, " 1080P ": media.Quality1080} {
		if got, err := media.ParseQuality(in); err != nil || got != want {
			t.Errorf("ParseQuality(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"4k", "360p", "p"} {
		if _, err := media.ParseQuality(in); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("ParseQuality(%q) error %v, want EINVALID", in, err)
		}
	}
}
