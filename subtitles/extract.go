package subtitles

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/media"
)

// ExtractArgs returns the ffmpeg arguments that write subtitle track track
// (its index among the file's subtitle streams) of input, a URL or a local
// path, to stdout as WebVTT.
func ExtractArgs(input string, track int) []string {
	if !strings.HasPrefix(input, "http://") && !strings.HasPrefix(input, "https://") {
		input = "file:" + input
	}
	return []string{"-hide_banner", "-nostats", "-v", "error",
		"-i", input, "-map", "0:s:" + strconv.Itoa(track), "-f", "webvtt", "-"}
}

// Extract converts a film's own text subtitle track to WebVTT. Picture
// subtitles (PGS, VobSub) cannot become text and fail with EINVALID.
func Extract(ctx context.Context, r *media.Runner, owner, input string, track int) ([]byte, error) {
	if track < 0 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "There is no subtitle track number %d.", track+1)
	}
	out, err := r.Run(ctx, owner, ExtractArgs(input, track))
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", hypertube.Errorf(hypertube.EINVALID, "This subtitle track could not be turned into text."), err)
	}
	return out, nil
}
