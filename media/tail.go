package media

import "sync"

// tailBuffer keeps the last len(data) bytes written to it. ffmpeg can print a
// line per frame for hours; only the end of stderr explains a failure, so the
// rest is dropped instead of growing without bound.
type tailBuffer struct {
	mu      sync.Mutex
	data    []byte
	pos     int // next write position in data
	full    bool
	dropped int64
}

func newTailBuffer(size int) *tailBuffer {
	return &tailBuffer{data: make([]byte, size)}
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	size := len(t.data)
	if n >= size {
		t.dropped += int64(t.len() + n - size)
		copy(t.data, p[n-size:])
		t.pos, t.full = 0, true
		return n, nil
	}
	if over := t.len() + n - size; over > 0 {
		t.dropped += int64(over)
	}
	k := copy(t.data[t.pos:], p)
	if k < n {
		copy(t.data, p[k:])
		t.full = true
	}
	t.pos = (t.pos + n) % size
	if t.pos == 0 && n > 0 {
		t.full = true
	}
	return n, nil
}

func (t *tailBuffer) len() int {
	if t.full {
		return len(t.data)
	}
	return t.pos
}

// Bytes returns a copy of the kept bytes, oldest first.
func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.full {
		return append([]byte(nil), t.data[:t.pos]...)
	}
	out := make([]byte, 0, len(t.data))
	out = append(out, t.data[t.pos:]...)
	return append(out, t.data[:t.pos]...)
}

// Dropped reports how many bytes were written but are no longer kept.
func (t *tailBuffer) Dropped() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dropped
}
