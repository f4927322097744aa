// Package subtitles turns the subtitles films come with, or that
// OpenSubtitles has, into UTF-8 WebVTT that browsers show in a <track>.
package subtitles

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Charsets that ToUTF8 reports.
const (
	UTF8        = "utf-8"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
)

// ToUTF8 converts a subtitle file's bytes to UTF-8 without a byte order
// mark and reports the charset it found. A byte order mark says which
// Unicode encoding a file uses; without one, valid UTF-8 is UTF-8 and
// anything else is read as Windows-1252, the superset of Latin-1 that
// Western subtitle files were written in before UTF-8.
func ToUTF8(b []byte) ([]byte, string, error) {
	var dec *encoding.Decoder
	charset := UTF8
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], UTF8, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		dec, charset = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder(), UTF16LE
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		dec, charset = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder(), UTF16BE
	case utf8.Valid(b):
		return b, UTF8, nil
	default:
		dec, charset = charmap.Windows1252.NewDecoder(), Windows1252
	}
	out, err := dec.Bytes(b)
	if err != nil {
		return nil, charset, err
	}
	return out, charset, nil
}
