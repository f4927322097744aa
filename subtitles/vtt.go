package subtitles

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hypertube/hypertube"
)

// Cue is one subtitle: text shown from Start to End. Text may hold the
// WebVTT tags <b>, <i> and <u>, and is otherwise escaped.
type Cue struct {
	Start, End time.Duration
	Text       string
}

// WriteVTT writes cues as a WebVTT file.
func WriteVTT(cues []Cue) []byte {
	var b bytes.Buffer
	b.WriteString("WEBVTT\n")
	for _, c := range cues {
		b.WriteString("\n" + vttTime(c.Start) + " --> " + vttTime(c.End) + "\n" + c.Text + "\n")
	}
	return b.Bytes()
}

func vttTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d.%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// FromSRT converts a SubRip file, in any charset ToUTF8 knows, to WebVTT.
func FromSRT(b []byte) ([]byte, error) {
	cues, err := ParseSRT(b)
	if err != nil {
		return nil, err
	}
	return WriteVTT(cues), nil
}

// srtTiming matches "00:01:02,345 --> 00:01:04,000" and the sloppier forms
// found in the wild: a dot for the comma, one-digit fields, fewer
// millisecond digits, position coordinates after the end time.
var srtTiming = regexp.MustCompile(`^\s*(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?`)

// ParseSRT reads the cues of a SubRip file. Blocks that are not cues are
// skipped; a file without a single cue is an EINVALID error.
func ParseSRT(b []byte) ([]Cue, error) {
	text, _, err := ToUTF8(b)
	if err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file's text could not be read.")
	}
	var cues []Cue
	var cur *Cue
	var lines []string
	flush := func() {
		if cur != nil && len(lines) > 0 {
			cur.Text = markup(strings.Join(lines, "\n"))
			if !blank(cur.Text) {
				cues = append(cues, *cur)
			}
		}
		cur, lines = nil, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := srtTiming.FindStringSubmatch(line); m != nil {
			flush()
			cur = &Cue{Start: clock(m[1], m[2], m[3], m[4], 1000), End: clock(m[5], m[6], m[7], m[8], 1000)}
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if cur == nil {
			continue // a cue number, or junk between cues
		}
		lines = append(lines, line)
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file has a line too long to be a subtitle.")
	}
	if len(cues) == 0 {
		return nil, hypertube.Errorf(hypertube.EINVALID, "The subtitle file holds no subtitles.")
	}
	return cues, nil
}

var vttTags = regexp.MustCompile(`</?[biu]>`)

// blank reports whether cue text shows nothing.
func blank(text string) bool { return strings.TrimSpace(vttTags.ReplaceAllString(text, "")) == "" }

// clock reads hours, minutes, seconds and a fraction written with up to
// three digits of a unit of 1/scale seconds ("5" of milliseconds is 500).
func clock(h, m, s, frac string, scale int) time.Duration {
	hi, _ := strconv.Atoi(h)
	mi, _ := strconv.Atoi(m)
	si, _ := strconv.Atoi(s)
	d := time.Duration(hi)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(si)*time.Second
	if frac != "" {
		digits := len(strconv.Itoa(scale)) - 1
		for len(frac) < digits {
			frac += "0"
		}
		f, _ := strconv.Atoi(frac)
		d += time.Duration(f) * time.Second / time.Duration(scale)
	}
	return d
}

// htmlTag matches an HTML-like tag of a SubRip cue: <i>, </b>, <font color="red">.
var htmlTag = regexp.MustCompile(`^<\s*(/?)\s*([a-zA-Z]+)[^<>]*>`)

// assInSRT matches ASS override blocks that some SubRip files carry, such
// as {\an8}.
var assInSRT = regexp.MustCompile(`\{\\[^{}]*\}`)

// markup keeps <b>, <i> and <u> from a SubRip cue's text, drops other
// tags and escapes the rest for WebVTT.
func markup(s string) string {
	s = assInSRT.ReplaceAllString(s, "")
	var c cueText
	for i := 0; i < len(s); {
		if s[i] == '<' {
			if m := htmlTag.FindStringSubmatch(s[i:]); m != nil {
				// <font>, <span>, …: WebVTT has no place for them.
				c.tag(strings.ToLower(m[2]), m[1] == "")
				i += len(m[0])
				continue
			}
		}
		j := i + 1
		for j < len(s) && s[j] != '<' {
			j++
		}
		c.text(s[i:j])
		i = j
	}
	return c.String()
}

// cueText builds the text of a WebVTT cue: escaped text and balanced <b>,
// <i> and <u> tags.
type cueText struct {
	b    strings.Builder
	open []string
}

var vttEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;",
	// A cue's text must not hold "-->" nor a blank line.
	"-->", "--&gt;", "\n\n", "\n")

func (c *cueText) text(s string) { c.b.WriteString(vttEscaper.Replace(s)) }

// tag opens or closes b, i or u; other names and closings of tags that are
// not open are dropped.
func (c *cueText) tag(name string, on bool) {
	if name != "b" && name != "i" && name != "u" {
		return
	}
	k := slices.Index(c.open, name)
	switch {
	case on && k < 0:
		c.open = append(c.open, name)
		c.b.WriteString("<" + name + ">")
	case !on && k >= 0:
		// Close what was opened inside it first, so that tags nest.
		for len(c.open) > k {
			last := c.open[len(c.open)-1]
			c.open = c.open[:len(c.open)-1]
			c.b.WriteString("</" + last + ">")
		}
	}
}

func (c *cueText) String() string {
	for k := len(c.open) - 1; k >= 0; k-- {
		c.b.WriteString("</" + c.open[k] + ">")
	}
	c.open = nil
	lines := strings.Split(c.b.String(), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}
