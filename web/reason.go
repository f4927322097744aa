package web

import (
	"net/http"

	"github.com/hypertube/hypertube/media"
)

// whyKeys are the catalog keys of media's reasons; WhySparseKeys has two,
// by whether the audio is copied.
var whyKeys = map[media.Why]string{
	media.WhyPlays:        "player.why.direct",
	media.WhyCopy:         "player.why.copy",
	media.WhyCopyMatroska: "player.why.copyMatroska",
	media.WhyAudio:        "player.why.audio",
	media.WhyScaled:       "player.why.scaled",
	media.WhyVideo:        "player.why.video",
	media.WhyBoth:         "player.why.both",
}

// reason says in the viewer's language how d plays the film and why; for
// a film converted only to play audio track (from 0), it says so.
func (h *handler) reason(r *http.Request, d media.Decision, forTrack bool, track int) string {
	name := func(s, none string) string {
		if s == "" {
			return h.t(r, none)
		}
		return s
	}
	key := whyKeys[d.Why]
	if d.Why == media.WhySparseKeys {
		key = "player.why.sparseAudioConverted"
		if d.AudioCopy {
			key = "player.why.sparseAudioCopied"
		}
	}
	s := h.t(r, "player.why.subject",
		"container", name(d.Container, "player.why.file"),
		"video", name(d.Video, "player.why.noVideo"),
		"audio", name(d.Audio, "player.why.noAudio"),
		"why", h.t(r, key, "height", d.Height))
	if forTrack {
		s += " " + h.t(r, "player.why.track", "n", track+1)
	}
	return s
}
