package stream

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/hypertube/hypertube"
)

// ParseRange parses a Range header value against a representation of size
// bytes (RFC 9110 §14.1.2) and returns the satisfiable ranges, half-open, in
// the order asked for.
//
// It returns nil and no error when the header is empty or names a unit other
// than bytes: RFC 9110 §14.2 says to ignore such a header and send the whole
// file. A syntax error anywhere gives an EINVALID error; a well-formed header
// none of whose ranges overlap the file gives an ERANGE error. Both mean 416.
func ParseRange(header string, size int64) ([]hypertube.ByteRange, error) {
	header = strings.Trim(header, " \t")
	if header == "" {
		return nil, nil
	}
	unit := header[:tokenLen(header)]
	if !strings.EqualFold(unit, "bytes") {
		return nil, nil
	}
	set, ok := strings.CutPrefix(header[len(unit):], "=")
	if !ok {
		return nil, errMalformed()
	}

	var ranges []hypertube.ByteRange
	specs := 0
	// List syntax (RFC 9110 §5.6.1) lets senders put empty elements and
	// whitespace around commas; recipients must accept both.
	for spec := range strings.SplitSeq(set, ",") {
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue
		}
		specs++
		r, ok, err := parseSpec(spec, size)
		if err != nil {
			return nil, err
		}
		if ok {
			ranges = append(ranges, r)
		}
	}
	if specs == 0 {
		return nil, errMalformed()
	}
	if len(ranges) == 0 {
		return nil, hypertube.Errorf(hypertube.ERANGE,
			"The requested range starts beyond the end of the file (%d bytes).", size)
	}
	return ranges, nil
}

// parseSpec parses one range-spec; ok is false when it is well formed but
// does not overlap the file, which RFC 9110 lets a server skip.
func parseSpec(spec string, size int64) (r hypertube.ByteRange, ok bool, err error) {
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return r, false, errMalformed()
	}
	if first == "" { // suffix-range: the last n bytes
		n, err := parseDigits(last)
		if err != nil {
			return r, false, err
		}
		if n == 0 || size == 0 {
			return r, false, nil
		}
		return hypertube.ByteRange{Start: max(0, size-n), End: size}, true, nil
	}
	start, err := parseDigits(first)
	if err != nil {
		return r, false, err
	}
	end := size
	if last != "" {
		lastPos, err := parseDigits(last)
		if err != nil {
			return r, false, err
		}
		if lastPos < start {
			return r, false, errMalformed()
		}
		// Compare before adding one: lastPos may be math.MaxInt64.
		if lastPos < size {
			end = lastPos + 1
		}
	}
	if start >= size {
		return r, false, nil
	}
	return hypertube.ByteRange{Start: start, End: end}, true, nil
}

// parseDigits accepts only 1*DIGIT: strconv alone would also take a sign.
func parseDigits(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errMalformed()
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil { // too large for int64
		return 0, errMalformed()
	}
	return n, nil
}

func errMalformed() error {
	return hypertube.Errorf(hypertube.EINVALID,
		`The Range header is malformed; expected something like "bytes=0-1023".`)
}

// tokenLen returns the length of the RFC 9110 token at the start of s.
func tokenLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		isAlnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !isAlnum && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return i
		}
	}
	return len(s)
}

// coalesce sorts ranges and merges those that overlap or touch, so that a
// client asking for the same bytes twice gets them once (RFC 9110 §14.6 lets
// a server do so).
func coalesce(ranges []hypertube.ByteRange) []hypertube.ByteRange {
	if len(ranges) < 2 {
		return ranges
	}
	sorted := slices.Clone(ranges)
	slices.SortFunc(sorted, func(a, b hypertube.ByteRange) int {
		return cmp.Compare(a.Start, b.Start)
	})
	out := sorted[:1]
	for _, r := range sorted[1:] {
		last := &out[len(out)-1]
		if r.Start <= last.End {
			last.End = max(last.End, r.End)
			continue
		}
		out = append(out, r)
	}
	return out
}
