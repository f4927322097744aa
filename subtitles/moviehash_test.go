package subtitles_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/subtitles"
)

func TestMovieHash(t *testing.T) {
	// 131072 zero bytes except the first word, 1, and the last word, 2:
	// size 131072 (0x20000) + 1 + 2 = 0x20003.
	two := make([]byte, 131072)
	binary.LittleEndian.PutUint64(two, 1)
	binary.LittleEndian.PutUint64(two[len(two)-8:], 2)

	// 65536 bytes: the first and last 64 KiB are the same bytes, so its
	// one word 5 counts twice: 0x10000 + 5 + 5 = 0x1000a.
	one := make([]byte, 65536)
	binary.LittleEndian.PutUint64(one[8:], 5)

	// Sums wrap at 64 bits: 0x30000 + 2×(2⁶⁴−1) = 0x30000 − 2 = 0x2fffe.
	wrap := make([]byte, 196608)
	binary.LittleEndian.PutUint64(wrap, ^uint64(0))
	binary.LittleEndian.PutUint64(wrap[len(wrap)-8:], ^uint64(0))
	// Bytes between the two ends do not count.
	wrap[100000] = 0xff

	for name, tt := range map[string]struct {
		data []byte
		want string
	}{
		"two ends": {two, "0000000000020003"},
		"overlap":  {one, "000000000001000a"},
		"wrap":     {wrap, "000000000002fffe"},
	} {
		got, err := subtitles.MovieHash(bytes.NewReader(tt.data), int64(len(tt.data)))
		if err != nil || got != tt.want {
			t.Errorf("%s: MovieHash = %q, %v; want %q", name, got, err, tt.want)
		}
	}
	if _, err := subtitles.MovieHash(bytes.NewReader(make([]byte, 100)), 100); hypertube.ErrorCode(err) != hypertube.EINVALID {
		t.Errorf("tiny file: %v, want EINVALID", err)
	}
}
