package torrent

// Matroska element IDs (with their length marker bits, as written).
const (
	ebmlHeaderID = 0x1A45DFA3
	segmentID    = 0x18538067
	seekHeadID   = 0x114D9B74
	seekID       = 0x4DBB
	seekIDID     = 0x53AB
	seekPosID    = 0x53AC
	cuesID       = 0x1C53BB6B
	voidID       = 0xEC
)

// MatroskaCues reads the SeekHead of a Matroska/WebM file from head, its
// first bytes, and returns the file offset of the Cues element it points
// to. ok is false when head holds no SeekHead naming the Cues.
func MatroskaCues(head []byte) (pos int64, ok bool) {
	p := ebmlReader{b: head}
	id, size, ok := p.element()
	if !ok || id != ebmlHeaderID || !p.skip(size) {
		return 0, false
	}
	if id, _, ok = p.element(); !ok || id != segmentID {
		return 0, false
	}
	segmentData := int64(p.at) // SeekPositions count from here
	// The SeekHead comes first in the segment, after Void padding at most.
	for {
		id, size, ok := p.element()
		if !ok {
			return 0, false
		}
		if id == voidID {
			if !p.skip(size) {
				return 0, false
			}
			continue
		}
		if id != seekHeadID {
			return 0, false
		}
		end := p.at + int(size)
		if size < 0 || end > len(head) {
			return 0, false
		}
		for p.at < end {
			id, size, ok := p.element()
			if !ok || p.at+int(size) > end {
				return 0, false
			}
			if id != seekID {
				p.skip(size)
				continue
			}
			if target, at, ok := p.seek(p.at + int(size)); ok && target == cuesID {
				return segmentData + at, true
			}
		}
		return 0, false
	}
}

// ebmlReader reads EBML element headers from a byte slice.
type ebmlReader struct {
	b  []byte
	at int
}

// vint reads a variable-length integer; id keeps its length marker, as
// element IDs are written.
func (r *ebmlReader) vint(id bool) (v int64, unknown, ok bool) {
	if r.at >= len(r.b) || r.b[r.at] == 0 {
		return 0, false, false
	}
	first := r.b[r.at]
	n := 1
	for mask := byte(0x80); first&mask == 0; mask >>= 1 {
		n++
	}
	if r.at+n > len(r.b) || n > 8 {
		return 0, false, false
	}
	v = int64(first)
	if !id {
		v &= int64(0xFF >> n)
	}
	all := v == int64(0xFF>>n) // all value bits set: unknown size
	for _, c := range r.b[r.at+1 : r.at+n] {
		v = v<<8 | int64(c)
		all = all && c == 0xFF
	}
	r.at += n
	return v, all && !id, true
}

// element reads an element's ID and data size; an unknown size reads as -1.
func (r *ebmlReader) element() (id, size int64, ok bool) {
	if id, _, ok = r.vint(true); !ok {
		return 0, 0, false
	}
	size, unknown, ok := r.vint(false)
	if !ok {
		return 0, 0, false
	}
	if unknown {
		size = -1
	}
	return id, size, true
}

func (r *ebmlReader) skip(size int64) bool {
	if size < 0 || int64(r.at)+size > int64(len(r.b)) {
		return false
	}
	r.at += int(size)
	return true
}

// seek reads the SeekID and SeekPosition of a Seek element ending at end.
func (r *ebmlReader) seek(end int) (target, pos int64, ok bool) {
	var haveID, havePos bool
	for r.at < end {
		id, size, ok := r.element()
		if !ok || size < 0 || size > 8 || r.at+int(size) > end {
			return 0, 0, false
		}
		var v int64
		for _, c := range r.b[r.at : r.at+int(size)] {
			v = v<<8 | int64(c)
		}
		r.at += int(size)
		switch id {
		case seekIDID:
			target, haveID = v, true
		case seekPosID:
			pos, havePos = v, true
		}
	}
	return target, pos, haveID && havePos
}
