package media_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

func TestParseProbe(t *testing.T) {
	tests := []struct {
		name string
		json string
		want media.Probe
	}{
		{
			name: "mp4 as ffprobe prints it",
			json: `{"streams":[
				{"index":0,"codec_name":"h264","profile":"High","codec_type":"video","width":854,"height":480,
				 "duration":"60.000000","disposition":{"default":1},"tags":{"language":"und","handler_name":"VideoHandler"}},
				{"index":1,"codec_name":"aac","profile":"LC","codec_type":"audio","channels":2,
				 "disposition":{"default":1},"tags":{"language":"eng","title":"Main"}},
				{"index":2,"codec_name":"mov_text","codec_type":"subtitle","disposition":{"default":0},"tags":{"language":"fra"}}],
			 "format":{"filename":"a.mp4","nb_streams":3,"format_name":"mov,mp4,m4a,3gp,3g2,mj2",
			   "duration":"60.021000","size":"19986689","bit_rate":"2663955"}}`,
			want: media.Probe{FormatName: "mov,mp4,m4a,3gp,3g2,mj2", Duration: 60021 * time.Millisecond,
				BitRate: 2663955, Size: 19986689, Streams: []media.Stream{
					{Index: 0, Type: "video", Codec: "h264", Profile: "High", Width: 854, Height: 480, Language: "und", Default: true},
					{Index: 1, Type: "audio", Codec: "aac", Profile: "LC", Channels: 2, Language: "eng", Title: "Main", Default: true},
					{Index: 2, Type: "subtitle", Codec: "mov_text", Language: "fra"},
				}},
		},
		{
			name: "N/A and missing fields read as zero",
			json: `{"streams":[{"index":0,"codec_type":"video","codec_name":"mpeg4","width":"N/A"}],
			 "format":{"format_name":"avi","duration":"N/A","bit_rate":"N/A"}}`,
			want: media.Probe{FormatName: "avi", Streams: []media.Stream{{Type: "video", Codec: "mpeg4"}}},
		},
		{
			name: "duration from the streams when the format has none; upper-case mkv tags",
			json: `{"streams":[{"index":0,"codec_type":"video","duration":"12.5"},
			   {"index":1,"codec_type":"audio","duration":"13.25","tags":{"LANGUAGE":"ger","TITLE":"Deutsch"}}],
			 "format":{"format_name":"matroska,webm","size":1234}}`,
			want: media.Probe{FormatName: "matroska,webm", Duration: 13250 * time.Millisecond, Size: 1234, Streams: []media.Stream{
				{Index: 0, Type: "video"}, {Index: 1, Type: "audio", Language: "ger", Title: "Deutsch"}}},
		},
		{
			name: "keyframe gap: B-frames in decoding order, audio keyframes ignored, a tail shorter than the gap",
			json: `{"streams":[{"index":0,"codec_type":"video"},{"index":1,"codec_type":"audio"}],
			 "packets":[
			   {"stream_index":1,"pts_time":"0.000000","flags":"K_"},
			   {"stream_index":0,"pts_time":"0.080000","dts_time":"0.000000","flags":"K_"},
			   {"stream_index":0,"pts_time":"0.040000","dts_time":"0.040000","flags":"__"},
			   {"stream_index":1,"pts_time":"1.000000","flags":"K_"},
			   {"stream_index":0,"pts_time":"2.080000","dts_time":"2.000000","flags":"K_"},
			   {"stream_index":1,"pts_time":"3.000000","flags":"K_"},
			   {"stream_index":0,"pts_time":"3.580000","dts_time":"3.500000","flags":"K_"},
			   {"stream_index":0,"pts_time":"4.500000","dts_time":"4.460000","flags":"__"}]}`,
			want: media.Probe{MaxKeyframeGap: 2 * time.Second, Streams: []media.Stream{{Index: 0, Type: "video"}, {Index: 1, Type: "audio"}}},
		},
		{
			name: "keyframe gap: one keyframe in the window counts the stretch after it",
			json: `{"streams":[{"index":0,"codec_type":"audio"},{"index":1,"codec_type":"video"}],
			 "packets":[
			   {"stream_index":0,"pts_time":"0.000000","flags":"K_"},
			   {"stream_index":1,"pts_time":"0.023000","flags":"K_"},
			   {"stream_index":1,"pts_time":"9.983000","flags":"__"},
			   {"stream_index":0,"pts_time":"19.990000","flags":"K_"},
			   {"stream_index":1,"pts_time":"19.983000","flags":"__"}]}`,
			want: media.Probe{MaxKeyframeGap: 19960 * time.Millisecond, Streams: []media.Stream{{Index: 0, Type: "audio"}, {Index: 1, Type: "video"}}},
		},
		{
			name: "keyframe gap: N/A presentation times fall back to decoding times",
			json: `{"streams":[{"index":0,"codec_type":"video","codec_name":"mpeg4"}],
			 "packets":[
			   {"stream_index":0,"pts_time":"N/A","dts_time":"0.000000","flags":"K_"},
			   {"stream_index":0,"pts_time":"N/A","dts_time":"10.000000","flags":"K_"},
			   {"stream_index":0,"pts_time":"N/A","dts_time":"N/A","flags":"K_"},
			   {"stream_index":0,"dts_time":"12.000000","flags":"__"}]}`,
			want: media.Probe{MaxKeyframeGap: 10 * time.Second, Streams: []media.Stream{{Type: "video", Codec: "mpeg4"}}},
		},
		{
			name: "keyframe gap unknown: no packet flagged as a keyframe",
			json: `{"streams":[{"index":0,"codec_type":"video"}],
			 "packets":[{"stream_index":0,"pts_time":"0.0","flags":"__"},{"stream_index":0,"pts_time":"5.0","flags":"__"}]}`,
			want: media.Probe{Streams: []media.Stream{{Type: "video"}}},
		},
		{
			name: "keyframe gap unknown: no video",
			json: `{"streams":[{"index":0,"codec_type":"audio"}],
			 "packets":[{"stream_index":0,"pts_time":"0.0","flags":"K_"},{"stream_index":0,"pts_time":"5.0","flags":"K_"}]}`,
			want: media.Probe{Streams: []media.Stream{{Type: "audio"}}},
		},
		{
			name: "empty object",
			json: `{}`,
			want: media.Probe{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := media.ParseProbe([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if got.FormatName != tt.want.FormatName || got.Duration != tt.want.Duration ||
				got.BitRate != tt.want.BitRate || got.Size != tt.want.Size || got.MaxKeyframeGap != tt.want.MaxKeyframeGap {
				t.Errorf("format = %+v, want %+v", *got, tt.want)
			}
			if len(got.Streams) != len(tt.want.Streams) {
				t.Fatalf("streams = %+v, want %+v", got.Streams, tt.want.Streams)
			}
			for i := range got.Streams {
				if got.Streams[i] != tt.want.Streams[i] {
					t.Errorf("stream %d = %+v, want %+v", i, got.Streams[i], tt.want.Streams[i])
				}
			}
		})
	}
	if _, err := media.ParseProbe([]byte(`not json`)); err == nil {
		t.Error("ParseProbe(not json) returned no error")
	}
}

// makeFilm builds a test film in a temporary directory.
func makeFilm(t *testing.T, spec media.TestFilm) string {
	t.Helper()
	spec.Out = filepath.Join(t.TempDir(), spec.Out)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := new(media.Runner).MakeTestFilm(ctx, "test", spec); err != nil {
		t.Fatal(err)
	}
	return spec.Out
}

func TestProbeFilm(t *testing.T) {
	path := makeFilm(t, media.TestFilm{Out: "three seconds.mp4", Duration: 3 * time.Second, Faststart: true,
		AudioTracks: []string{"eng", "fra"}, Title: "Probe me"})
	r := &media.Runner{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	fromFile, err := r.Probe(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A faststart MP4 can be probed as a stream, the way a torrent reader
	// would hand it over.
	fromPipe, err := r.ProbeReader(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	for name, p := range map[string]*media.Probe{"Probe": fromFile, "ProbeReader": fromPipe} {
		if p.Duration < 2900*time.Millisecond || p.Duration > 3200*time.Millisecond {
			t.Errorf("%s: duration = %v, want about 3s", name, p.Duration)
		}
		if p.FormatName != "mov,mp4,m4a,3gp,3g2,mj2" {
			t.Errorf("%s: format = %q", name, p.FormatName)
		}
		// Keyframes every 2 s (TestFilm's default) at 0 and 2 s.
		if p.MaxKeyframeGap != 2*time.Second {
			t.Errorf("%s: keyframe gap = %v, want 2s", name, p.MaxKeyframeGap)
		}
		if len(p.Streams) != 3 {
			t.Fatalf("%s: streams = %+v, want video and two audio", name, p.Streams)
		}
		v, a := p.Video(), p.Audio()
		if v == nil || v.Codec != "h264" || v.Width != 640 || v.Height != 360 {
			t.Errorf("%s: video = %+v, want h264 640x360", name, v)
		}
		if a == nil || a.Codec != "aac" || a.Channels != 2 || a.Language != "eng" || !a.Default {
			t.Errorf("%s: audio = %+v, want default stereo aac in eng", name, a)
		}
		if s := p.Streams[2]; s.Type != "audio" || s.Language != "fra" || s.Default {
			t.Errorf("%s: second audio = %+v, want non-default fra", name, s)
		}
	}
	if fromFile.Size != info.Size() || fromFile.BitRate <= 0 {
		t.Errorf("size = %d, bit rate %d; want %d and > 0", fromFile.Size, fromFile.BitRate, info.Size())
	}
}

func TestProbeErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.mp4")
	if err := os.WriteFile(text, []byte("this is not a film"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		code string
	}{
		{"missing file", filepath.Join(dir, "nothing.mp4"), hypertube.ENOTFOUND},
		{"not a video", text, hypertube.EINVALID},
	}
	r := &media.Runner{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := r.Probe(context.Background(), tt.path)
			if code := hypertube.ErrorCode(err); code != tt.code {
				t.Fatalf("Probe = %+v, %v; want code %q", p, err, tt.code)
			}
		})
	}
}
