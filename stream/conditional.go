package stream

import (
	"net/http"
	"strings"
	"time"
)

type precondition int

const (
	proceed precondition = iota
	notModified
	preconditionFailed
)

// checkPreconditions evaluates the conditional headers in the order RFC 9110
// §13.2.2 gives. modTime is already truncated to seconds, the precision of
// HTTP dates; a zero modTime disables the date conditions.
func checkPreconditions(r *http.Request, etag string, modTime time.Time) precondition {
	if v := r.Header.Get("If-Match"); v != "" {
		if !etagListMatches(v, etag, true) {
			return preconditionFailed
		}
	} else if t, ok := headerTime(r, "If-Unmodified-Since"); ok && !modTime.IsZero() && modTime.After(t) {
		return preconditionFailed
	}

	if v := r.Header.Get("If-None-Match"); v != "" {
		if etagListMatches(v, etag, false) {
			return notModified
		}
	} else if t, ok := headerTime(r, "If-Modified-Since"); ok && !modTime.IsZero() && !modTime.After(t) {
		return notModified
	}
	return proceed
}

// ifRangeHolds reports whether a Range header may be honoured: If-Range is
// absent, names our ETag under strong comparison, or names exactly our
// Last-Modified date (RFC 9110 §13.1.5). When it fails the client's cached
// bytes are stale, so it gets the whole file instead of a part.
func ifRangeHolds(r *http.Request, etag string, modTime time.Time) bool {
	v := strings.Trim(r.Header.Get("If-Range"), " \t")
	if v == "" {
		return true
	}
	if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "W/") {
		tag, rest, ok := scanETag(v)
		return ok && rest == "" && strongMatch(tag, etag)
	}
	t, err := http.ParseTime(v)
	return err == nil && !modTime.IsZero() && t.Equal(modTime)
}

func headerTime(r *http.Request, name string) (time.Time, bool) {
	v := r.Header.Get(name)
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// etagListMatches reports whether the If-Match or If-None-Match value list
// names etag; "*" names any. A malformed list matches nothing.
func etagListMatches(list, etag string, strong bool) bool {
	list = strings.Trim(list, " \t")
	if list == "*" {
		return true
	}
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		tag, rest, ok := scanETag(list)
		if !ok {
			return false
		}
		if strong && strongMatch(tag, etag) || !strong && weakMatch(tag, etag) {
			return true
		}
		list = rest
	}
}

// scanETag reads one entity-tag (RFC 9110 §8.8.3) from the start of s.
func scanETag(s string) (tag, rest string, ok bool) {
	body := strings.TrimPrefix(s, "W/")
	if !strings.HasPrefix(body, `"`) {
		return "", s, false
	}
	for i := 1; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '"':
			n := len(s) - len(body) + i + 1
			return s[:n], strings.Trim(s[n:], " \t"), true
		case c == 0x21 || c >= 0x23 && c != 0x7f: // etagc
		default:
			return "", s, false
		}
	}
	return "", s, false
}

func strongMatch(a, b string) bool {
	return a == b && !strings.HasPrefix(a, "W/")
}

func weakMatch(a, b string) bool {
	return strings.TrimPrefix(a, "W/") == strings.TrimPrefix(b, "W/")
}
