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
}

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

func (p *Probe) first(kind string) *Stream {
	for i := range p.Streams {
		if p.Streams[i].Type == kind {
			return &p.Streams[i]
		}
	}
	return nil
}

// probeArgs are the ffprobe arguments for input, a local path or "pipe:0".
func probeArgs(input string) []string {
	return []string{"-v", "error", "-print_format", "json", "-show_format", "-show_streams", input}
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
	out, err := r.run(ctx, r.ffprobe(), "probe", probeArgs(input), stdin, false)
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

// ParseProbe parses the JSON of
// `ffprobe -print_format json -show_format -show_streams`. Missing fields and
// "N/A" read as zero.
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
	return p, nil
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
