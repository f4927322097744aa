package release

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hypertube/hypertube/catalog"
)

// Capabilities says what a browser plays without help. Every browser plays
// H.264 video with AAC or MP3 audio in MP4: the zero value.
type Capabilities struct {
	MKV  bool // Matroska files (Chromium)
	HEVC bool // H.265 (Safari, Edge with hardware support)
	AV1  bool
	VP9  bool
	AC3  bool // Dolby Digital and Digital Plus (Safari, Edge)
}

// Chromium is what Chromium and Chrome play.
var Chromium = Capabilities{MKV: true, AV1: true, VP9: true}

// Playback is how much work a release needs before a browser plays it.
type Playback int

const (
	Transcode      Playback = iota // the video must be re-encoded
	TranscodeAudio                 // only the audio must be re-encoded
	Remux                          // the streams must move into another container
	Direct                         // plays as it is
)

// Ranked is one release with what Choose thought of it.
type Ranked struct {
	Release  Release
	Info     Info
	OK       bool // the film itself, so it may be chosen
	Score    float64
	Playback Playback
	Why      string // "1080p x264, 320 seeders, plays directly", or why it is not the film
}

// Choose ranks a film's releases, best first, and returns the best, or a
// zero Release when none is the film. Releases that are not the film come
// last, with OK false and the reason in Why.
func Choose(film Film, releases []Release, browser Capabilities) (best Release, ranked []Ranked) {
	for _, r := range releases {
		ranked = append(ranked, rank(film, r, browser))
	}
	slices.SortStableFunc(ranked, func(a, b Ranked) int {
		if a.OK != b.OK {
			if a.OK {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Release.Seeders, a.Release.Seeders))
	})
	if len(ranked) > 0 && ranked[0].OK {
		best = ranked[0].Release
	}
	return best, ranked
}

func rank(film Film, r Release, browser Capabilities) Ranked {
	info := Parse(r.Name)
	if q := qualities[strings.ToLower(r.Quality)]; q != "" {
		info.Quality = q
	} else if r.Quality != "" {
		info.Quality = r.Quality // "3D": kept, and not liked
	}
	if c := codecs[strings.ToLower(r.Codec)]; c != "" {
		info.Codec = c
	}
	match, ok, why := Match(info, film)
	if !ok {
		return Ranked{Release: r, Info: info, Why: why}
	}
	score := 40 * match
	var notes []string

	// Seeders: each tenfold counts the same, so 30 against 3 matters as
	// much as 3000 against 300.
	webSeeded := r.Source == catalog.SourceArchive || r.Source == catalog.SourceBuiltin || strings.Contains(r.Magnet, "&ws=")
	seeders := ""
	switch {
	case r.Seeders > 0:
		score += 12 * math.Log10(1+float64(r.Seeders))
		seeders = fmt.Sprintf("%d seeders", r.Seeders)
		if r.Seeders == 1 {
			seeders = "1 seeder"
		}
	case webSeeded:
		seeders = "served by its publisher"
	default:
		score -= 25
		seeders = "no seeders"
	}

	score += map[string]float64{"1080p": 12, "720p": 10, "2160p": 6, "480p": 4, "": 3}[info.Quality]
	switch {
	case bootlegs[info.Source]:
		score -= 40
		notes = append(notes, map[string]string{"CAM": "filmed in a cinema", "TS": "recorded in a cinema", "TC": "copied from a cinema reel", "SCR": "a pre-release screener"}[info.Source])
	case info.Source == "BluRay" || info.Source == "WEB-DL":
		score += 5
	case info.Source == "WEBRip":
		score += 4
	case info.Source != "":
		score += 2
	}
	if info.Proper || info.Repack {
		score += 1
	}

	pb, playNote := playback(info, browser)
	score += map[Playback]float64{Direct: 15, Remux: 11, TranscodeAudio: 7, Transcode: 0}[pb]
	if pb == Direct && containerOf(info) == "mkv" {
		score-- // MP4 seeks more reliably while it downloads
	}

	if note, delta := sizeCheck(info, r.Size, film.Runtime); note != "" {
		score += delta
		notes = append(notes, note)
	} else if r.Size > 0 {
		score += 3
	}
	if match < 1 {
		notes = append(notes, why)
	}

	var words []string
	if bootlegs[info.Source] {
		words = append(words, info.Source)
	}
	for _, w := range []string{info.Quality, info.Codec} {
		if w != "" {
			words = append(words, w)
		}
	}
	if info.Remux {
		words = append(words, "remux")
	}
	label := cmp.Or(strings.Join(words, " "), "unknown quality")
	parts := append([]string{label, seeders, playNote}, notes...)
	return Ranked{Release: r, Info: info, OK: true, Score: score, Playback: pb, Why: strings.Join(parts, ", ")}
}

// containerOf is the file's container: from its extension, else what the
// people who made it always use.
func containerOf(info Info) string {
	switch {
	case info.Container != "":
		return info.Container
	case strings.HasPrefix(strings.ToUpper(info.Group), "YTS") || strings.EqualFold(info.Group, "YIFY"):
		return "mp4"
	case info.Codec == "XviD" || info.Codec == "DivX":
		return "avi"
	default:
		return "mkv" // what scene and web releases use
	}
}

func playback(info Info, browser Capabilities) (Playback, string) {
	switch info.Codec {
	case "", "x264", "H.264":
	case "x265", "HEVC":
		if !browser.HEVC {
			return Transcode, "needs transcoding (" + info.Codec + ")"
		}
	case "AV1":
		if !browser.AV1 {
			return Transcode, "needs transcoding (AV1)"
		}
	case "VP9":
		if !browser.VP9 {
			return Transcode, "needs transcoding (VP9)"
		}
	default:
		return Transcode, "needs transcoding (" + info.Codec + ")"
	}
	audio := strings.Fields(info.Audio)
	for _, a := range audio {
		switch {
		case a == "AAC", a == "MP3", a == "Opus", a == "FLAC", a == "Atmos" && len(audio) > 1:
		case strings.HasPrefix(a, "DD") || a == "AC3":
			if !browser.AC3 {
				return TranscodeAudio, "needs its " + a + " audio converted"
			}
		default:
			return TranscodeAudio, "needs its " + a + " audio converted"
		}
	}
	switch c := containerOf(info); {
	case c == "mp4" || c == "webm":
	case c == "mkv" && browser.MKV:
	default:
		return Remux, "plays after remuxing to MP4"
	}
	return Direct, "plays directly"
}

// sizeCheck compares a file's size with what its quality takes for the
// film's length: far smaller is a fake or a ruin, far larger is slow to
// stream.
func sizeCheck(info Info, size int64, runtime int) (string, float64) {
	limits, known := map[string][2]float64{ // MiB per minute
		"480p":  {2, 30},
		"720p":  {4, 60},
		"1080p": {7, 150},
		"2160p": {18, 500},
	}[info.Quality]
	if size <= 0 || !known {
		return "", 0
	}
	if runtime <= 0 {
		runtime = 110 // a typical feature
	}
	perMinute := float64(size) / (1 << 20) / float64(runtime)
	if info.Remux {
		limits[1] *= 2
	}
	switch {
	case perMinute < limits[0]:
		return "too small for " + info.Quality, -30
	case perMinute > limits[1]:
		return "very large to stream", -4
	}
	return "", 0
}
