package stream_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hypertube/hypertube"
	"github.com/hypertube/hypertube/stream"
)

type br = hypertube.ByteRange

func rng(start, end int64) br { return br{Start: start, End: end} }

func TestParseRange(t *testing.T) {
	tests := []struct {
		header   string
		size     int64
		want     []br
		wantCode string
	}{
		{"", 100, nil, ""},
		{"items=0-5", 100, nil, ""},
		{"bytes=0-9", 100, []br{rng(0, 10)}, ""},
		{"BYTES=0-9", 100, []br{rng(0, 10)}, ""},
		{" bytes=0-9 ", 100, []br{rng(0, 10)}, ""},
		{"bytes=90-", 100, []br{rng(90, 100)}, ""},
		{"bytes=-10", 100, []br{rng(90, 100)}, ""},
		{"bytes=-1000", 100, []br{rng(0, 100)}, ""},
		{"bytes=95-1000", 100, []br{rng(95, 100)}, ""},
		{"bytes=0-9223372036854775807", 100, []br{rng(0, 100)}, ""},
		{"bytes=99-99", 100, []br{rng(99, 100)}, ""},
		{"bytes=0-0, 5-6 ,,-1", 100, []br{rng(0, 1), rng(5, 7), rng(99, 100)}, ""},
		{"bytes=50-59,0-9", 100, []br{rng(50, 60), rng(0, 10)}, ""},
		{"bytes=0-1,200-300", 100, []br{rng(0, 2)}, ""},
		{"bytes=100-", 100, nil, hypertube.ERANGE},
		{"bytes=-0", 100, nil, hypertube.ERANGE},
		{"bytes=0-", 0, nil, hypertube.ERANGE},
		{"bytes=-5", 0, nil, hypertube.ERANGE},
		{"bytes=200-300,100-", 100, nil, hypertube.ERANGE},
		{"bytes=abc", 100, nil, hypertube.EINVALID},
		{"bytes=5-2", 100, nil, hypertube.EINVALID},
		{"bytes=--1", 100, nil, hypertube.EINVALID},
		{"bytes=", 100, nil, hypertube.EINVALID},
		{"bytes=,", 100, nil, hypertube.EINVALID},
		{"bytes", 100, nil, hypertube.EINVALID},
		{"bytes 0-5", 100, nil, hypertube.EINVALID},
		{"bytes=-", 100, nil, hypertube.EINVALID},
		{"bytes=+1-2", 100, nil, hypertube.EINVALID},
		{"bytes=1-+2", 100, nil, hypertube.EINVALID},
		{"bytes=0x1-2", 100, nil, hypertube.EINVALID},
		{"bytes=1 -2", 100, nil, hypertube.EINVALID},
		{"bytes=0-1,abc", 100, nil, hypertube.EINVALID},
		{"bytes=99999999999999999999-", 100, nil, hypertube.EINVALID},
		{"bytes=0-99999999999999999999", 100, nil, hypertube.EINVALID},
		{"bytes=-99999999999999999999", 100, nil, hypertube.EINVALID},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q/%d", tt.header, tt.size), func(t *testing.T) {
			got, err := stream.ParseRange(tt.header, tt.size)
			if code := hypertube.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("error %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ranges %v, want %v", got, tt.want)
			}
			if tt.wantCode == hypertube.EINVALID && !strings.Contains(hypertube.ErrorMessage(err), "Range header is malformed") {
				t.Errorf("message %q does not say the header is malformed", hypertube.ErrorMessage(err))
			}
		})
	}
}

// FuzzParseRange checks that ParseRange never panics, that what it accepts
// lies inside the file, and that writing its ranges back out parses to the
// same ranges. The seeds run as part of go test.
func FuzzParseRange(f *testing.F) {
	for _, seed := range []string{
		"", "bytes=0-", "bytes=-1", "bytes=0-0,-1", "bytes=5-2", "bytes=--1", "bytes=abc",
		"bytes=", "items=1-2", "bytes=0-99999999999999999999", "bytes=1-2, 3-4,,", "BYTES=9-",
		"bytes=-9223372036854775808", "bytes=9223372036854775807-",
	} {
		for _, size := range []int64{0, 1, 100, 1 << 40, 1<<63 - 1} {
			f.Add(seed, size)
		}
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		got, err := stream.ParseRange(header, size)
		if err != nil {
			if code := hypertube.ErrorCode(err); code != hypertube.EINVALID && code != hypertube.ERANGE {
				t.Fatalf("ParseRange(%q, %d): error code %q", header, size, code)
			}
			if got != nil {
				t.Fatalf("ParseRange(%q, %d): ranges %v along with error %v", header, size, got, err)
			}
			return
		}
		if len(got) == 0 {
			return // ignored: no Range or another unit
		}
		var spec []string
		for _, r := range got {
			if r.Start < 0 || r.Start >= r.End || r.End > size {
				t.Fatalf("ParseRange(%q, %d): range %v outside [0, %d)", header, size, r, size)
			}
			spec = append(spec, fmt.Sprintf("%d-%d", r.Start, r.End-1))
		}
		again, err := stream.ParseRange("bytes="+strings.Join(spec, ","), size)
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseRange(%q, %d) = %v, but its re-encoding parses to %v, %v", header, size, got, again, err)
		}
	})
}
