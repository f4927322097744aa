package subtitles

import (
	"bufio"
	"bytes"
	"regexp"
	"sort"
	"strings"

	"github.com/hypertube/hypertube"
)

// FromASS converts an Advanced SubStation Alpha (.ass) or SubStation Alpha
// (.ssa) file to WebVTT. Styles, positions and effects are dropped: only
// italics, bold and underline survive, as WebVTT tags.
func FromASS(b []byte) ([]byte, error) {
	cues, err := ParseASS(b)
	if err != nil {
		return nil, err
	}
	return WriteVTT(cues), nil
}

// assTime matches "H:MM:SS.cc".
var assTime = regexp.MustCompile(`^\s*(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{1,2}))?\s*$`)

// ParseASS reads the Dialogue lines of an ASS or SSA file, ordered by start
// time.
func ParseASS(b []byte) ([]Cue, error) {
	text, _, err := ToUTF8(b)
	if err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file's text could not be read.")
	}
	var cues []Cue
	inEvents := false
	// The default field order of ASS; a Format line may change it.
	format := []string{"layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inEvents = strings.EqualFold(line, "[Events]")
			continue
		}
		if !inEvents {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "format":
			format = format[:0:0]
			for _, f := range strings.Split(value, ",") {
				format = append(format, strings.ToLower(strings.TrimSpace(f)))
			}
		case "dialogue":
			// Text is the last field and may itself hold commas.
			fields := strings.SplitN(value, ",", len(format))
			if len(fields) != len(format) {
				continue
			}
			var start, end, body string
			for i, name := range format {
				switch name {
				case "start":
					start = fields[i]
				case "end":
					end = fields[i]
				case "text":
					body = fields[i]
				}
			}
			s, e := assTime.FindStringSubmatch(start), assTime.FindStringSubmatch(end)
			if s == nil || e == nil {
				continue
			}
			cue := Cue{Start: clock(s[1], s[2], s[3], s[4], 100), End: clock(e[1], e[2], e[3], e[4], 100)}
			if cue.Text = assMarkup(body); !blank(cue.Text) && cue.End > cue.Start {
				cues = append(cues, cue)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file has a line too long to be a subtitle.")
	}
	if len(cues) == 0 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file holds no subtitles.")
	}
	sort.SliceStable(cues, func(i, j int) bool { return cues[i].Start < cues[j].Start })
	return cues, nil
}

// assOverride matches one override block, such as {\i1\pos(10,20)}.
var assOverride = regexp.MustCompile(`\{[^{}]*\}`)

// assTag matches the override tags WebVTT can show: \i1, \b0, \u1, and
// \p for vector drawings, which are not text at all.
var assTag = regexp.MustCompile(`\\([ibup])(\d+)`)

// assMarkup turns a Dialogue's text into WebVTT cue text.
func assMarkup(s string) string {
	s = strings.NewReplacer(`\N`, "\n", `\n`, "\n", `\h`, " ").Replace(s)
	var c cueText
	drawing := false
	last := 0
	for _, loc := range assOverride.FindAllStringIndex(s, -1) {
		if !drawing {
			c.text(s[last:loc[0]])
		}
		for _, m := range assTag.FindAllStringSubmatch(s[loc[0]:loc[1]], -1) {
			if m[1] == "p" {
				drawing = m[2] != "0"
			} else {
				c.tag(m[1], m[2] != "0")
			}
		}
		last = loc[1]
	}
	if !drawing {
		c.text(s[last:])
	}
	return c.String()
}
