package subtitles

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/hypertube/hypertube"
)

// hashChunk is how much of each end of a file the OpenSubtitles hash reads.
const hashChunk = 64 << 10

// MovieHash computes the OpenSubtitles hash of a file of size bytes read
// through r: the size plus every little-endian 64-bit word of the first and
// of the last 64 KiB, wrapping on overflow, as 16 hex digits. On a torrent,
// r only needs those two ends, so the hash is known long before the film
// is downloaded.
func MovieHash(r io.ReaderAt, size int64) (string, error) {
	if size < hashChunk {
		return "", hypertube.Errorf(hypertube.EINVALID, "The file is too small (%d bytes) to be a film.", size)
	}
	sum := uint64(size)
	buf := make([]byte, hashChunk)
	for _, off := range []int64{0, size - hashChunk} {
		if _, err := r.ReadAt(buf, off); err != nil && err != io.EOF {
			return "", fmt.Errorf("subtitles: movie hash: %w", err)
		}
		for i := 0; i < hashChunk; i += 8 {
			sum += binary.LittleEndian.Uint64(buf[i:])
		}
	}
	return fmt.Sprintf("%016x", sum), nil
}
