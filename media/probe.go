package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// Probe is what ffprobe says about a media file.
type Probe struct {
	FormatName string // ffprobe's list, such as "mov,mp4,m4a,3gp,3g2,mj2"
	Duration   time.Duration
	BitRate    int64 // bits per second, 0 when unknown
	Size       int64 // bytes, 0 when unknown
	Streams    []Stream
	// MaxKeyframeGap is the longest stretch of the first video stream
	// without a keyframe over the head of the file (KeyframeWindow), the
	// stretch after the last keyframe seen included; 0 when unknown. A copy
	// of the video can only be cut at keyframes, so HLS segments of a remux
	// are only as short as this.
	MaxKeyframeGap time.Duration
}

// KeyframeWindow is how much of the head of a file a probe reads to
// measure its keyframe spacing. Every Play waits for the probe, direct
// play too, so it stays short: three segments' worth shows whether
// keyframes come every segment, and longer gaps (x264's default is about
// 10 s) show as the stretch after the first keyframe. Reading 20 s made
// Play time out on a slow source.
const KeyframeWindow = 6 * time.Second

// Stream is one stream of a media file.
type Stream struct {
	Index    int
	Type     string // "video", "audio", "subtitle", "data", …
	Codec    string // ffmpeg's codec name, such as "h264", "aac", "subrip"
	Profile  string
	Width    int
	Height   int
	Channels int
	Language string // as tagged, usually ISO 639-2 ("eng"); "" when untagged
	Title    string
	Default  bool
}

// Video returns the first video stream, or nil.
func (p *Probe) Video() *Stream { return p.first("video") }

// Audio returns the first audio stream, or nil.
func (p *Probe) Audio() *Stream { return p.first("audio") }

// KeyframesEvery reports whether the head of the file has a keyframe at
// least every d in its first video stream, so that a copy of it can be cut
// into segments d long. An unmeasured spacing does not count.
func (p *Probe) KeyframesEvery(d time.Duration) bool {
	return p.MaxKeyframeGap > 0 && p.MaxKeyframeGap <= d
}

func (p *Probe) first(kind string) *Stream {
	for i := range p.Streams {
		if p.Streams[i].Type == kind {
			return &p.Streams[i]
		}
	}
	return nil
}

// ProbeArgs are the ffprobe arguments that describe input (a URL, "pipe:0"
// or a "file:" path) in the JSON ParseProbe reads: format, streams and the
// packets of KeyframeWindow's head, whose flags mark the keyframes.
// Packets are read from the container, not decoded, so this costs reading
// the head and no more.
func ProbeArgs(input string) []string {
	return []string{"-v", "error", "-print_format", "json", "-show_format", "-show_streams",
		"-read_intervals", "%+" + formatSeconds(KeyframeWindow),
		"-show_entries", "packet=stream_index,pts_time,dts_time,flags", input}
}

// Probe describes the local file at path.
func (r *Runner) Probe(ctx context.Context, path string) (*Probe, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, hypertube.Errorf(hypertube.ENOTFOUND, "The video file could not be found.")
		}
		return nil, fmt.Errorf("media: probe: %w", err)
	}
	// "file:" keeps ffprobe from reading a name such as "-i" as an option or
	// "http://…" as a URL.
	return r.probe(ctx, "file:"+path, nil)
}

// ProbeReader describes the media read from in. Formats that keep their
// index at the end, such as MP4 without faststart, cannot be probed this way.
func (r *Runner) ProbeReader(ctx context.Context, in io.Reader) (*Probe, error) {
	return r.probe(ctx, "pipe:0", in)
}

func (r *Runner) probe(ctx context.Context, input string, stdin io.Reader) (*Probe, error) {
	out, err := r.run(ctx, r.ffprobe(), "probe", ProbeArgs(input), stdin, false)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		var exit *ExitError
		if errors.As(err, &exit) {
			return nil, fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.EINVALID, "This file could not be read as a video."), err)
		}
		return nil, err
	}
	return ParseProbe(out)
}

// ParseProbe parses the JSON of ffprobe run with ProbeArgs. Missing fields
// and "N/A" read as zero; without packets MaxKeyframeGap stays unknown.
func ParseProbe(data []byte) (*Probe, error) {
	var raw struct {
		Format struct {
			FormatName string `json:"format_name"`
			Duration   loose  `json:"duration"`
			BitRate    loose  `json:"bit_rate"`
			Size       loose  `json:"size"`
		} `json:"format"`
		Streams []struct {
			Index       loose   `json:"index"`
			CodecType   string  `json:"codec_type"`
			CodecName   string  `json:"codec_name"`
			Profile     loose   `json:"profile"`
			Width       loose   `json:"width"`
			Height      loose   `json:"height"`
			Channels    loose   `json:"channels"`
			Duration    loose   `json:"duration"`
			Tags        tagsMap `json:"tags"`
			Disposition struct {
				Default loose `json:"default"`
			} `json:"disposition"`
		} `json:"streams"`
		Packets []packet `json:"packets"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("media: parse ffprobe output: %w", err)
	}
	p := &Probe{
		FormatName: raw.Format.FormatName,
		Duration:   seconds(raw.Format.Duration.float()),
		BitRate:    raw.Format.BitRate.int64(),
		Size:       raw.Format.Size.int64(),
	}
	var longest float64
	for _, s := range raw.Streams {
		p.Streams = append(p.Streams, Stream{
			Index:    int(s.Index.int64()),
			Type:     s.CodecType,
			Codec:    s.CodecName,
			Profile:  string(s.Profile),
			Width:    int(s.Width.int64()),
			Height:   int(s.Height.int64()),
			Channels: int(s.Channels.int64()),
			Language: s.Tags.get("language"),
			Title:    s.Tags.get("title"),
			Default:  s.Disposition.Default.int64() == 1,
		})
		longest = max(longest, s.Duration.float())
	}
	// Some containers (raw streams, some MKV muxers) only time their streams.
	if p.Duration == 0 {
		p.Duration = seconds(longest)
	}
	if v := p.Video(); v != nil {
		p.MaxKeyframeGap = maxKeyframeGap(raw.Packets, v.Index)
	}
	return p, nil
}

// packet is one packet of `ffprobe -show_entries packet=…`.
type packet struct {
	StreamIndex loose  `json:"stream_index"`
	PTS         loose  `json:"pts_time"`
	DTS         loose  `json:"dts_time"`
	Flags       string `json:"flags"`
}

// maxKeyframeGap is the longest stretch between keyframes of stream among
// packets, or from the last keyframe to the last packet: that stretch is at
// least as long as the gap it starts, which the packets do not show the
// end of. Zero when the packets show no keyframe.
func maxKeyframeGap(packets []packet, stream int) time.Duration {
	var keys []float64
	last := math.Inf(-1)
	for _, pk := range packets {
		if pk.StreamIndex == "" || int(pk.StreamIndex.int64()) != stream {
			continue
		}
		t, ok := pk.PTS.time()
		if !ok {
			if t, ok = pk.DTS.time(); !ok {
				continue
			}
		}
		last = max(last, t)
		if strings.HasPrefix(pk.Flags, "K") {
			keys = append(keys, t)
		}
	}
	if len(keys) == 0 {
		return 0
	}
	// With B-frames packets come in decoding order; keyframes are placed
	// by their presentation times.
	slices.Sort(keys)
	gap := last - keys[len(keys)-1]
	for i := 1; i < len(keys); i++ {
		gap = max(gap, keys[i]-keys[i-1])
	}
	return seconds(gap)
}

func seconds(s float64) time.Duration {
	if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return 0
	}
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond)
}

// loose is a JSON value that ffprobe prints as a string, a number or "N/A".
type loose string

func (l *loose) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = loose(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*l = ""
		return nil
	}
	*l = loose(b) // a number; anything else is ignored by the readers
	return nil
}

func (l loose) float() float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(l)), 64)
	if err != nil {
		return 0
	}
	return f
}

// time reads a timestamp in seconds; "N/A" and missing ones are not.
func (l loose) time() (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(l)), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func (l loose) int64() int64 {
	s := strings.TrimSpace(string(l))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > math.MaxInt64 || f < math.MinInt64 {
		return 0
	}
	return int64(f)
}

// tagsMap holds tags whose keys vary in case between muxers ("language",
// "LANGUAGE").
type tagsMap map[string]loose

func (t tagsMap) get(key string) string {
	if v, ok := t[key]; ok {
		return string(v)
	}
	for k, v := range t {
		if strings.EqualFold(k, key) {
			return string(v)
		}
	}
	return ""
}
