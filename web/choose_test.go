package web

import (
	"testing"

	"github.com/hypertube/hypertube"
)

func TestChooseFile(t *testing.T) {
	files := func(specs ...any) *hypertube.TorrentInfo {
		info := &hypertube.TorrentInfo{}
		for i := 0; i < len(specs); i += 2 {
			info.Files = append(info.Files, hypertube.TorrentFile{Index: i / 2, Path: specs[i].(string), Length: int64(specs[i+1].(int))})
		}
		return info
	}
	tests := []struct {
		name string
		info *hypertube.TorrentInfo
		want string
		path string // ""= largest video
		ok   bool
	}{
		{"single mp4", files("film.mp4", 10), "film.mp4", "", true},
		{"largest video, not largest file", files("film.mkv", 100, "extras.iso", 900, "sample.mp4", 5), "film.mkv", "", true},
		{"upper-case extension", files("FILM.MP4", 100, "a.txt", 1), "FILM.MP4", "", true},
		{"tie prefers mp4", files("a.avi", 50, "b.mp4", 50, "c.webm", 50), "b.mp4", "", true},
		{"named file wins", files("film.mkv", 100, "sample.mp4", 5), "sample.mp4", "sample.mp4", true},
		{"named file missing", files("film.mkv", 100), "", "other.mkv", false},
		{"no video", files("a.txt", 1, "b.srt", 2), "", "", false},
		{"every extension", files("a.m4v", 1, "b.mov", 2, "c.ogv", 3), "c.ogv", "", true},
	}
	for _, tt := range tests {
		f, err := chooseFile(tt.info, tt.path)
		if (err == nil) != tt.ok || f.Path != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, f.Path, err, tt.want)
		}
		if err != nil && hypertube.ErrorCode(err) != hypertube.ENOTFOUND {
			t.Errorf("%s: error code %q, want ENOTFOUND", tt.name, hypertube.ErrorCode(err))
		}
	}
}

func TestRangeStartsAtZero(t *testing.T) {
	for h, want := range map[string]bool{
		"": true, "bytes=0-": true, "bytes=0-1023": true, " bytes= 0-": true,
		"bytes=100-": false, "bytes=-500": false, "items=0-1": false,
	} {
		if got := rangeStartsAtZero(h); got != want {
			t.Errorf("rangeStartsAtZero(%q) = %v, want %v", h, got, want)
		}
	}
}
