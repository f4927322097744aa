package media

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// SeekSpan returns the bytes [from, to) of the local file at path that a
// player must have to show the video frame at t: from the keyframe at or
// before t to the end of the first packet at or after t, in file order.
// The benchmark uses it to tell the time a seek cannot beat at a given
// download rate.
func (r *Runner) SeekSpan(ctx context.Context, path string, t time.Duration) (from, to int64, err error) {
	start := max(t-30*time.Second, 0)
	args := []string{"-v", "error", "-print_format", "json", "-select_streams", "v:0",
		"-read_intervals", formatSeconds(start) + "%" + formatSeconds(t+2*time.Second),
		"-show_entries", "packet=pts_time,pos,size,flags", "file:" + path}
	out, err := r.run(ctx, r.ffprobe(), "seek span", args, nil, false)
	if err != nil {
		return 0, 0, err
	}
	var raw struct {
		Packets []struct {
			PTS   loose  `json:"pts_time"`
			Pos   loose  `json:"pos"`
			Size  loose  `json:"size"`
			Flags string `json:"flags"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return 0, 0, fmt.Errorf("media: parse ffprobe packets: %w", err)
	}
	from = -1
	for _, p := range raw.Packets {
		pts, pos := p.PTS.float(), p.Pos.int64()
		if pts <= t.Seconds() && len(p.Flags) > 0 && p.Flags[0] == 'K' {
			from, to = pos, 0 // a later keyframe, still before t
		}
		if from < 0 {
			continue
		}
		to = max(to, pos+p.Size.int64())
		if pts >= t.Seconds() {
			return from, to, nil
		}
	}
	return 0, 0, fmt.Errorf("media: no video frame at %v in %s", t, path)
}
