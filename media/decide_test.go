package media_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hypertube/hypertube/media"
)

// chromium is what Chromium's canPlayType and isTypeSupported report.
var chromium = media.Capabilities{
	Containers:  []string{"mp4", "webm", "matroska"},
	VideoCodecs: []string{"h264", "vp9", "av1"},
	AudioCodecs: []string{"aac", "opus", "mp3", "flac", "vorbis"},
}

// film is a probe of a file with a keyframe every two seconds.
func film(format, video string, height int, audio ...string) *media.Probe {
	p := &media.Probe{FormatName: format, MaxKeyframeGap: media.DefaultSegmentDuration}
	if video != "" {
		p.Streams = append(p.Streams, media.Stream{Type: "video", Codec: video, Height: height})
	}
	for _, a := range audio {
		p.Streams = append(p.Streams, media.Stream{Type: "audio", Codec: a})
	}
	return p
}

const mp4, mkv = "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"

// keyframesEvery sets p's measured keyframe spacing; 0 is unknown.
func keyframesEvery(p *media.Probe, gap time.Duration) *media.Probe {
	p.MaxKeyframeGap = gap
	return p
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name      string
		probe     *media.Probe
		caps      media.Capabilities
		mode      media.Mode
		videoCopy bool
		audioCopy bool
		reasonHas string
	}{
		{"mp4 h264 aac", film(mp4, "h264", 720, "aac"), chromium, media.DirectPlay, true, true, "MP4 with H.264/AAC: played as it is"},
		{"mp4 h264 mp3", film(mp4, "h264", 720, "mp3"), chromium, media.DirectPlay, true, true, "played as it is"},
		{"webm vp9 opus", film(mkv, "vp9", 1080, "opus"), chromium, media.DirectPlay, true, true, "WebM with VP9/Opus"},
		{"mkv h264 aac remuxed though chromium plays mkv", film(mkv, "h264", 1080, "aac"), chromium, media.Remux, true, true,
			"MKV with H.264/AAC: copied into HLS without re-encoding (seeking in MKV is unreliable in browsers)"},
		{"mkv h264 aac, no matroska", film(mkv, "h264", 1080, "aac"),
			media.Capabilities{Containers: []string{"mp4"}, VideoCodecs: []string{"h264"}, AudioCodecs: []string{"aac"}},
			media.Remux, true, true, "MKV with H.264/AAC: copied into HLS without re-encoding"},
		{"mkv hevc ac3", film(mkv, "hevc", 1080, "ac3", "ac3"), chromium, media.Transcode, false, false, "MKV with HEVC/AC-3: video converted to H.264, audio to AAC"},
		{"mkv hevc aac", film(mkv, "hevc", 1080, "aac"), chromium, media.Transcode, false, true, "video converted to H.264, audio copied"},
		{"mp4 hevc aac on a browser that plays hevc", film(mp4, "hevc", 1080, "aac"),
			media.Capabilities{Containers: []string{"mp4"}, VideoCodecs: []string{"h264", "hevc"}, AudioCodecs: []string{"aac"}},
			media.DirectPlay, true, true, "MP4 with HEVC/AAC: played as it is"},
		{"mkv hevc aac on a browser that plays hevc is still converted", film(mkv, "hevc", 1080, "aac"),
			media.Capabilities{Containers: []string{"mp4", "matroska"}, VideoCodecs: []string{"h264", "hevc"}, AudioCodecs: []string{"aac"}},
			media.Transcode, false, true, "video converted to H.264"},
		{"avi mpeg4 mp3", film("avi", "mpeg4", 480, "mp3"), chromium, media.Transcode, false, false, "AVI with MPEG-4/MP3: video converted to H.264, audio to AAC"},
		{"mpeg2 in ts", film("mpegts", "mpeg2video", 576, "mp2"), chromium, media.Transcode, false, false, "MPEG-TS with MPEG-2/MP2"},
		{"mkv h264 dts", film(mkv, "h264", 1080, "dts"), chromium, media.Transcode, true, false, "MKV with H.264/DTS: video copied, audio converted to AAC"},
		{"mkv h264 truehd", film(mkv, "h264", 1080, "truehd"), chromium, media.Transcode, true, false, "TrueHD"},
		{"mp4 h264 eac3", film(mp4, "h264", 1080, "eac3"), chromium, media.Transcode, true, false, "MP4 with H.264/E-AC-3: video copied, audio converted to AAC"},
		{"too tall for the viewer", film(mp4, "h264", 2160, "aac"),
			media.Capabilities{Containers: []string{"mp4"}, VideoCodecs: []string{"h264"}, AudioCodecs: []string{"aac"}, MaxHeight: 1080},
			media.Transcode, false, true, "video scaled down to 1080p H.264, audio copied"},
		{"silent mp4", film(mp4, "h264", 480), chromium, media.DirectPlay, true, true, "MP4 with H.264/no audio"},
		{"mp4 with flac on a browser without flac", film(mp4, "h264", 480, "flac"),
			media.Capabilities{Containers: []string{"mp4"}, VideoCodecs: []string{"h264"}, AudioCodecs: []string{"aac"}},
			media.Transcode, true, false, "audio converted to AAC"},
		{"mkv h264 aac with 10 s between keyframes", keyframesEvery(film(mkv, "h264", 1080, "aac"), 10*time.Second), chromium,
			media.Transcode, false, true, "MKV with H.264/AAC: keyframes too far apart to cut without re-encoding: video re-encoded, audio copied"},
		{"keyframes 1 ms too far apart", keyframesEvery(film(mkv, "h264", 1080, "aac"), 2001*time.Millisecond), chromium,
			media.Transcode, false, true, "keyframes too far apart"},
		{"keyframes every second", keyframesEvery(film(mkv, "h264", 1080, "aac"), time.Second), chromium,
			media.Remux, true, true, "copied into HLS without re-encoding"},
		{"keyframe spacing unknown", keyframesEvery(film(mkv, "h264", 1080, "aac"), 0), chromium,
			media.Transcode, false, true, "keyframes too far apart"},
		{"sparse keyframes and dts", keyframesEvery(film(mkv, "h264", 1080, "dts"), 10*time.Second), chromium,
			media.Transcode, false, false, "video re-encoded, audio converted to AAC"},
		{"sparse keyframes do not matter to direct play", keyframesEvery(film(mp4, "h264", 720, "aac"), 10*time.Second), chromium,
			media.DirectPlay, true, true, "played as it is"},
		{"sparse keyframes do not matter to a converted picture", keyframesEvery(film(mkv, "hevc", 1080, "aac"), 10*time.Second), chromium,
			media.Transcode, false, true, "video converted to H.264, audio copied"},
		{"nothing reported", film(mp4, "h264", 480, "aac"), media.Capabilities{}, media.Transcode, false, false, "video converted to H.264, audio to AAC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := media.Decide(tt.probe, tt.caps)
			if d.Mode != tt.mode || d.VideoCopy != tt.videoCopy || d.AudioCopy != tt.audioCopy {
				t.Errorf("Decide = %v video copy %v audio copy %v, want %v %v %v (%q)",
					d.Mode, d.VideoCopy, d.AudioCopy, tt.mode, tt.videoCopy, tt.audioCopy, d.Reason)
			}
			if !strings.Contains(d.Reason, tt.reasonHas) {
				t.Errorf("Reason = %q, want it to contain %q", d.Reason, tt.reasonHas)
			}
		})
	}
}
