package subtitles_test

import (
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/subtitles"
)

func TestFromSRT(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the VTT after its header line
	}{
		{"one cue", "1\n00:00:01,000 --> 00:00:02,500\nHello\n",
			"00:00:01.000 --> 00:00:02.500\nHello\n"},
		{"crlf, multi-line, two cues", "1\r\n00:00:01,000 --> 00:00:02,000\r\nLine one\r\nLine two\r\n\r\n2\r\n01:02:03,040 --> 01:02:04,000\r\nNext\r\n",
			"00:00:01.000 --> 00:00:02.000\nLine one\nLine two\n\n01:02:03.040 --> 01:02:04.000\nNext\n"},
		{"sloppy timing with dots, short fields and coordinates", "7\n0:0:1.5 --> 0:00:02.25 X1:10 X2:20 Y1:5 Y2:9\nHi\n",
			"00:00:01.500 --> 00:00:02.250\nHi\n"},
		{"hours past 99", "1\n100:00:00,000 --> 100:00:01,000\nLate\n", "100:00:00.000 --> 100:00:01.000\nLate\n"},
		{"kept and dropped tags", "1\n00:00:01,000 --> 00:00:02,000\n<i>Italic</i> <B>bold</B> <font color=\"#ff0000\">red</font> <u>under\n",
			"00:00:01.000 --> 00:00:02.000\n<i>Italic</i> <b>bold</b> red <u>under</u>\n"},
		{"html escaped", "1\n00:00:01,000 --> 00:00:02,000\nTom & Jerry < 3 --> 2 > 1\n",
			"00:00:01.000 --> 00:00:02.000\nTom &amp; Jerry &lt; 3 --&gt; 2 &gt; 1\n"},
		{"script is not markup", "1\n00:00:01,000 --> 00:00:02,000\n<script>alert(1)</script>\n",
			"00:00:01.000 --> 00:00:02.000\nalert(1)\n"},
		{"ass override in srt", "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Top\n", "00:00:01.000 --> 00:00:02.000\nTop\n"},
		{"utf-8 bom and no number", "\xEF\xBB\xBF00:00:01,000 --> 00:00:02,000\nCafé\n", "00:00:01.000 --> 00:00:02.000\nCafé\n"},
		{"empty cue skipped", "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n",
			"00:00:03.000 --> 00:00:04.000\nB\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := subtitles.FromSRT([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if want := "WEBVTT\n\n" + tt.want; string(out) != want {
				t.Errorf("got\n%q\nwant\n%q", out, want)
			}
		})
	}
	for _, bad := range []string{"", "hello\nworld\n", "1\n00:00:01 -> 00:00:02\nx\n"} {
		if _, err := subtitles.FromSRT([]byte(bad)); hypertube.ErrorCode(err) != hypertube.EINVALID {
			t.Errorf("FromSRT(%q): %v, want EINVALID", bad, err)
		}
	}
}

const assHeader = "[Script Info]\nTitle: x\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname\nStyle: Default,Arial\n\n[Events]\n" +
	"Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"

func TestFromASS(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", assHeader + "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,Hello, world\n",
			"00:00:01.000 --> 00:00:02.500\nHello, world\n"},
		{"line breaks and hard space", assHeader + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,One\\NTwo\\hthree\n",
			"00:00:01.000 --> 00:00:02.000\nOne\nTwo three\n"},
		{"italic and bold mapped, positions dropped", assHeader + "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\an8\\pos(10,20)}{\\i1}Ital{\\i0} {\\b1}bold\n",
			"00:00:01.000 --> 00:00:02.000\n<i>Ital</i> <b>bold</b>\n"},
		{"drawings dropped, comments ignored, sorted", assHeader +
			"Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,Later\n" +
			"Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Not shown\n" +
			"Dialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}Earlier & <more>\n",
			"00:00:03.000 --> 00:00:04.000\nEarlier &amp; &lt;more&gt;\n\n00:00:05.000 --> 00:00:06.000\nLater\n"},
		{"ssa with its own field order", "[Events]\nFormat: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" +
			"Dialogue: Marked=0,0:01:00.5,0:01:01.25,Default,,0000,0000,0000,,SSA line\n",
			"00:01:00.500 --> 00:01:01.250\nSSA line\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := subtitles.FromASS([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if want := "WEBVTT\n\n" + tt.want; string(out) != want {
				t.Errorf("got\n%q\nwant\n%q", out, want)
			}
		})
	}
	if _, err := subtitles.FromASS([]byte(assHeader)); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("ASS without dialogue: %v, want EINVALID", err)
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    string
		charset string
	}{
		{"utf-8", []byte("été"), "été", subtitles.UTF8},
		{"utf-8 bom", []byte("\xEF\xBB\xBFété"), "été", subtitles.UTF8},
		{"utf-16le bom", []byte{0xFF, 0xFE, 0xE9, 0x00, 't', 0x00, 0xE9, 0x00}, "été", subtitles.UTF16LE},
		{"utf-16be bom", []byte{0xFE, 0xFF, 0x00, 0xE9, 0x00, 't', 0x00, 0xE9}, "été", subtitles.UTF16BE},
		{"latin-1", []byte("\xE9 \xE0 \xE7"), "é à ç", subtitles.Windows1252},
		{"windows-1252 quotes and euro", []byte("\x93hi\x94 \x80"), "“hi” €", subtitles.Windows1252},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, charset, err := subtitles.ToUTF8(tt.in)
			if err != nil || string(out) != tt.want || charset != tt.charset {
				t.Errorf("ToUTF8 = %q, %q, %v; want %q, %q", out, charset, err, tt.want, tt.charset)
			}
		})
	}
}

func TestLatin1SRT(t *testing.T) {
	// "Café à la française" as an old French .srt has it: Latin-1 bytes.
	in := []byte("1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\xE9 \xE0 la fran\xE7aise\r\n")
	out, err := subtitles.FromSRT(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Café à la française") {
		t.Errorf("got %q", out)
	}
}
