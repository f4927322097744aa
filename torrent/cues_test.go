package torrent_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hypertube/hypertube/media"
	"github.com/hypertube/hypertube/torrent"
)

// The SeekHead that ffmpeg writes at the head of Matroska and WebM files
// leads to the Cues it writes at their end.
func TestMatroskaCues(t *testing.T) {
	for _, name := range []string{"film.mkv", "film.webm"} {
		t.Run(name, func(t *testing.T) {
			spec := media.TestFilm{Out: filepath.Join(t.TempDir(), name), Duration: 6 * time.Second, Width: 160, Height: 90}
			if name == "film.webm" {
				spec.VideoCodec, spec.AudioCodec = "libvpx-vp9", "libopus"
			}
			c, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := new(media.Runner).MakeTestFilm(c, "test", spec); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(spec.Out)
			if err != nil {
				t.Fatal(err)
			}
			pos, ok := torrent.MatroskaCues(b[:min(len(b), 64<<10)])
			if !ok {
				t.Fatal("no Cues found")
			}
			if pos < int64(len(b))/2 || pos >= int64(len(b)) || !bytes.HasPrefix(b[pos:], []byte{0x1C, 0x53, 0xBB, 0x6B}) {
				t.Fatalf("Cues at %d of %d bytes: no Cues element there", pos, len(b))
			}
		})
	}
}

func TestMatroskaCuesRejects(t *testing.T) {
	ebml := []byte{0x1A, 0x45, 0xDF, 0xA3, 0x80}                                              // empty EBML header
	segment := []byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF} // unknown size
	seekHead := func(target ...byte) []byte {
		seek := append([]byte{0x53, 0xAB, byte(0x80 | len(target))}, target...)
		seek = append(seek, 0x53, 0xAC, 0x82, 0x10, 0x00) // position 4096
		entry := append([]byte{0x4D, 0xBB, byte(0x80 | len(seek))}, seek...)
		return append([]byte{0x11, 0x4D, 0x9B, 0x74, byte(0x80 | len(entry))}, entry...)
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cues := seekHead(0x1C, 0x53, 0xBB, 0x6B)
	dataStart := int64(len(ebml) + len(segment))
	if pos, ok := torrent.MatroskaCues(join(ebml, segment, cues)); !ok || pos != dataStart+4096 {
		t.Fatalf("MatroskaCues = %d, %v; want %d", pos, ok, dataStart+4096)
	}
	void := []byte{0xEC, 0x83, 0, 0, 0}
	if pos, ok := torrent.MatroskaCues(join(ebml, segment, void, cues)); !ok || pos != dataStart+4096 {
		t.Fatalf("after Void: MatroskaCues = %d, %v; want %d", pos, ok, dataStart+4096)
	}
	for name, head := range map[string][]byte{
		"empty":              nil,
		"not EBML":           []byte("RIFF....AVI LIST"),
		"no segment":         join(ebml, cues),
		"Tracks first":       join(ebml, segment, []byte{0x16, 0x54, 0xAE, 0x6B, 0x80}, cues),
		"only Info sought":   join(ebml, segment, seekHead(0x15, 0x49, 0xA9, 0x66)),
		"cut short":          join(ebml, segment, cues)[:len(ebml)+len(segment)+6],
		"size past the head": join(ebml, segment, []byte{0x11, 0x4D, 0x9B, 0x74, 0xFF - 1}),
	} {
		if pos, ok := torrent.MatroskaCues(head); ok {
			t.Errorf("%s: MatroskaCues = %d, true", name, pos)
		}
	}
}
