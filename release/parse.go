// Package release reads torrent release names ("Blade.Runner.2049.2017.
// 1080p.BluRay.x264-SPARKS") and picks, among a film's torrents, the one
// to stream: the right film, well seeded, of a sensible size, and playable
// by the browser with as little work as possible.
package release

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Info is what a release name says.
type Info struct {
	Title     string
	Year      int
	Quality   string   // 480p, 720p, 1080p, 2160p
	Codec     string   // x264, H.264, x265, HEVC, AV1, VP9, XviD, DivX, MPEG-2
	Source    string   // BluRay, WEB-DL, WEBRip, HDRip, HDTV, DVDRip, VHSRip, CAM, TS, TC, SCR
	Audio     string   // AAC, AC3, DD5.1, DDP5.1, DTS, DTS-HD MA, TrueHD, Atmos, …, space-separated
	Languages []string // FRENCH, TRUEFRENCH, VOSTFR, MULTI, ITA, GER, SPANISH, …
	Edition   string   // Extended, Unrated, Director's Cut, …
	Container string   // mkv, mp4, avi, … when the name ends with a file extension
	IMDbID    string   // when the name holds one
	Sample    bool
	Trailer   bool
	Extras    bool
	Season    int // TV: S01, Season 1
	Episode   int // TV: E02
	Group     string
	Remux     bool
	Proper    bool
	Repack    bool
}

var (
	extension     = regexp.MustCompile(`(?i)\.(mkv|mp4|m4v|avi|webm|mov|wmv|torrent)$`)
	leadingSite   = regexp.MustCompile(`(?i)^\s*[\[(]?\s*www\.[^\s\])]+\s*[\])]?\s*[-–]?\s*`)
	trailingTag   = regexp.MustCompile(`\s*[\[{(]([^\[\](){}]+)[\]})]\s*$`)
	dottedCodec   = regexp.MustCompile(`(?i)\b([hx])\.(26[45])\b`)
	dtsHDMA       = regexp.MustCompile(`(?i)\bDTS[ ._-]?HD[ ._-]?MA\b`)
	dtsX          = regexp.MustCompile(`(?i)\bDTS[:-]X\b`)
	audioChannels = regexp.MustCompile(`(?i)\b(DDP|DD\+|DD|EAC3|AC3|AAC|DTS|TrueHD|FLAC|Opus|LPCM)[ ._-]?([1-7])[ ._]([01])\b`)
	loneChannels  = regexp.MustCompile(`(^|[ ._\[(-])([57])\.1([ ._\])-]|$)`)
	seasonEpisode = regexp.MustCompile(`^s(\d{1,2})[ ._-]?e(\d{1,3})(?:-?e\d{1,3})*$`)
	seasonOnly    = regexp.MustCompile(`^s(\d{1,2})(?:-s\d{1,2})?$`)
	crossEpisode  = regexp.MustCompile(`^(\d{1,2})x(\d{2,3})$`)
	imdbID        = regexp.MustCompile(`^tt\d{7,8}$`)
	ytsTag        = regexp.MustCompile(`(?i)^(yts([.·]\w{2,3})?|yify)$`)
)

type token struct {
	text    string
	lower   string
	bracket bool // inside () or []
	skip    bool // not part of a title: flags, separators, ids
}

// Parse reads a release name. It never fails: what it cannot read stays
// empty.
func Parse(name string) Info {
	var info Info
	s := strings.TrimSpace(name)
	if m := extension.FindStringSubmatch(s); m != nil {
		info.Container = containers["."+strings.ToLower(m[1])]
		s = s[:len(s)-len(m[0])]
	}
	s = leadingSite.ReplaceAllString(s, "")

	// Tags in brackets at the end: sites that shared the file, or the
	// group that made it.
	for {
		m := trailingTag.FindStringSubmatchIndex(s)
		if m == nil {
			break
		}
		content := strings.TrimSpace(s[m[2]:m[3]])
		lower := strings.ToLower(strings.ReplaceAll(content, ".", "·"))
		switch {
		case sites[lower]:
		case ytsTag.MatchString(content):
			info.Group = cmpOr(info.Group, strings.ToUpper(content[:1])+content[1:])
		case !strings.ContainsAny(content, " ._") && !isTech(strings.ToLower(content)) && yearOf(content) == 0 && info.Group == "" && strings.ContainsFunc(content, unicode.IsLetter):
			info.Group = content
		default:
			m = nil
		}
		if m == nil {
			break
		}
		s = s[:m[0]]
	}

	s = dottedCodec.ReplaceAllString(s, "$1$2")
	s = dtsHDMA.ReplaceAllString(s, "DTS-HD-MA")
	s = dtsX.ReplaceAllString(s, "DTS-X")
	s = audioChannels.ReplaceAllString(s, "$1$2·$3")
	s = loneChannels.ReplaceAllString(s, "$1$2·1$3")

	toks := tokenize(s)
	splitGroup(toks, &info)
	markFlags(toks, &info)

	// A title ends where the first technical word begins, or at the year.
	strongEnd := len(toks)
	for i, t := range toks {
		if t.skip {
			continue
		}
		if isStrong(t.lower) || tvAt(toks, i) {
			strongEnd = i
			break
		}
	}
	allCaps := true
	for _, t := range toks[:strongEnd] {
		if strings.ContainsFunc(t.text, unicode.IsLower) {
			allCaps = false
		}
	}
	capsWeak := func(t token) bool {
		return !allCaps && weakTech(t.lower) && shouting(t.text)
	}
	start := 0
	for start < len(toks) && (toks[start].bracket || toks[start].skip) {
		if toks[start].bracket && info.Group == "" && !isTech(toks[start].lower) && len(toks) > 1 {
			info.Group = toks[start].text
		}
		start++
	}
	yearAt, bracketYearAt, firstWeak := -1, -1, -1
	for i := start + 1; i < strongEnd; i++ {
		t := toks[i]
		if t.skip {
			continue
		}
		if capsWeak(t) || unambiguousLanguages[t.lower] {
			if firstWeak < 0 {
				firstWeak = i
			}
			if yearAt >= 0 {
				break
			}
			continue
		}
		if yearOf(t.text) > 0 {
			yearAt = i
			if t.bracket && bracketYearAt < 0 {
				bracketYearAt = i
			}
		}
	}
	if bracketYearAt >= 0 {
		yearAt = bracketYearAt
	}
	end := strongEnd
	if yearAt >= 0 {
		end = yearAt
		info.Year = yearOf(toks[yearAt].text)
		toks[yearAt].skip = true
	}
	if firstWeak >= 0 && firstWeak < end {
		end = firstWeak
	}
	var title []string
	for _, t := range toks[start:max(end, start)] {
		if !t.skip {
			title = append(title, t.text)
		}
	}
	info.Title = strings.Trim(strings.Join(title, " "), " -–:")

	// Everything after the title describes the file.
	var audio []string
	for i := max(end, start); i < len(toks); i++ {
		t := toks[i]
		if t.skip {
			continue
		}
		l := t.lower
		if (weak[l] || (languages[l] != "" && !unambiguousLanguages[l])) && i < yearAt && !shouting(t.text) {
			continue // a plain word between the title and a year in brackets
		}
		switch {
		case qualities[l] != "":
			info.Quality = cmpOr(info.Quality, qualities[l])
		case codecs[l] != "":
			info.Codec = cmpOr(info.Codec, codecs[l])
		case sources[l] != "":
			info.Source = cmpOr(info.Source, sources[l])
			if l == "bdremux" {
				info.Remux = true
			}
		case audios[l] != "":
			if !contains(audio, audios[l]) {
				audio = append(audio, audios[l])
			}
		case languages[l] != "":
			if !contains(info.Languages, languages[l]) {
				info.Languages = append(info.Languages, languages[l])
			}
		case editions[l] != "":
			info.Edition = cmpOr(info.Edition, editions[l])
		case l == "directors" || l == "director's":
			info.Edition = cmpOr(info.Edition, "Director's Cut")
		case l == "remux":
			info.Remux = true
		case l == "proper":
			info.Proper = true
		case l == "repack" || l == "rerip":
			info.Repack = true
		case l == "yify" || l == "yts":
			info.Group = cmpOr(info.Group, strings.ToUpper(l))
		}
		readTV(toks, i, &info)
	}
	info.Audio = strings.Join(audio, " ")
	if info.Remux && info.Source == "" {
		info.Source = "BluRay"
	}
	if info.Quality == "" && (info.Source == "DVDRip" || info.Source == "VHSRip") {
		info.Quality = "480p"
	}
	return info
}

func tokenize(s string) []token {
	var toks []token
	var cur strings.Builder
	depth := 0
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		text := cur.String()
		cur.Reset()
		text = strings.Trim(text, "-–")
		if text == "" {
			return
		}
		toks = append(toks, token{text: text, lower: strings.ToLower(text), bracket: depth > 0})
	}
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			flush()
			depth++
		case ')', ']', '}':
			flush()
			depth = max(depth-1, 0)
		case ' ', '.', '_', ',', '\t':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

// splitGroup takes the group off the last word: "x264-SPARKS".
func splitGroup(toks []token, info *Info) {
	if len(toks) < 2 {
		return
	}
	t := &toks[len(toks)-1]
	if t.lower == "sample" && len(toks) > 2 { // "…x264-GROUP.sample.mkv"
		t = &toks[len(toks)-2]
	}
	i := strings.LastIndex(t.text, "-")
	if i <= 0 || i == len(t.text)-1 || isTech(t.lower) {
		return
	}
	before, group := t.text[:i], t.text[i+1:]
	lb := strings.ToLower(before)
	if !isTech(lb) && yearOf(before) == 0 && !strings.HasSuffix(lb, "p") {
		return
	}
	if strings.EqualFold(group, "sample") {
		info.Sample = true
	} else {
		info.Group = group
	}
	t.text, t.lower = before, lb
}

// markFlags finds what makes a file something else than the film.
func markFlags(toks []token, info *Info) {
	for i := range toks {
		t := &toks[i]
		if rest, ok := strings.CutPrefix(t.lower, "sample-"); ok { // "sample-title.2019…"
			info.Sample = true
			t.text, t.lower = t.text[len(t.text)-len(rest):], rest
		}
		for _, part := range strings.Split(t.lower, "-") {
			switch part {
			case "sample":
				info.Sample, t.skip = true, true
			case "trailer", "trailers", "teaser":
				info.Trailer, t.skip = true, true
			case "extras", "bonus", "featurette", "featurettes":
				info.Extras, t.skip = true, true
			}
		}
		if imdbID.MatchString(t.lower) {
			info.IMDbID, t.skip = t.lower, true
		}
		if t.text == "-" || t.text == "–" {
			t.skip = true
		}
		if i+2 < len(toks) && ((t.lower == "behind" && toks[i+1].lower == "the" && toks[i+2].lower == "scenes") ||
			(t.lower == "deleted" && toks[i+1].lower == "scenes")) {
			info.Extras = true
			t.skip, toks[i+1].skip = true, true
			if t.lower == "behind" {
				toks[i+2].skip = true
			}
		}
	}
	if info.Trailer {
		for i := range toks {
			if toks[i].lower == "official" {
				toks[i].skip = true
			}
		}
	}
}

// tvAt tells whether toks[i] starts a season or episode number.
func tvAt(toks []token, i int) bool {
	l := toks[i].lower
	if seasonEpisode.MatchString(l) || seasonOnly.MatchString(l) || crossEpisode.MatchString(l) {
		return true
	}
	return (l == "season" || l == "episode") && i+1 < len(toks) && isNumber(toks[i+1].text)
}

func readTV(toks []token, i int, info *Info) {
	l := toks[i].lower
	if m := seasonEpisode.FindStringSubmatch(l); m != nil {
		info.Season, _ = strconv.Atoi(m[1])
		info.Episode, _ = strconv.Atoi(m[2])
	} else if m := seasonOnly.FindStringSubmatch(l); m != nil {
		info.Season, _ = strconv.Atoi(m[1])
	} else if m := crossEpisode.FindStringSubmatch(l); m != nil {
		info.Season, _ = strconv.Atoi(m[1])
		info.Episode, _ = strconv.Atoi(m[2])
	} else if i+1 < len(toks) && isNumber(toks[i+1].text) {
		n, _ := strconv.Atoi(toks[i+1].text)
		switch l {
		case "season":
			info.Season = n
		case "episode":
			info.Episode = n
		}
	}
}

// isStrong tells words that are never part of a title.
func isStrong(l string) bool {
	if weak[l] {
		return false
	}
	if languages[l] != "" {
		return false
	}
	return qualities[l] != "" || codecs[l] != "" || sources[l] != "" || audios[l] != "" || noise[l] || editions[l] != ""
}

func weakTech(l string) bool { return weak[l] || languages[l] != "" }

func isTech(l string) bool {
	return isStrong(l) || weakTech(l) || editions[l] != ""
}

// shouting tells "FRENCH" and "iTALiAN" from "French": scene names write
// their tags in capitals.
func shouting(s string) bool {
	letters := 0
	for i, r := range []rune(s) {
		if unicode.IsLetter(r) {
			letters++
			if i > 0 && unicode.IsUpper(r) {
				return letters >= 2
			}
		}
	}
	return false
}

// maxYear is the last year a release can be from: next year's films leak.
var maxYear = time.Now().Year() + 1

func yearOf(s string) int {
	if len(s) != 4 {
		return 0
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1888 || y > maxYear {
		return 0
	}
	return y
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && len(s) <= 3
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
