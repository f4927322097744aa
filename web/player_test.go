package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// chromeCaps is what Chromium reports on this machine: H.264/AAC in MP4,
// VP9/Opus/AV1, MP3 and FLAC, no HEVC and no Matroska.
const chromeCaps = "mp4,webm,h264,aac,vp9,opus,av1,mp3,flac,vorbis"

type playAnswer struct {
	Mode        string  `json:"mode"`
	Reason      string  `json:"reason"`
	Src         string  `json:"src"`
	HLSJS       string  `json:"hlsJS"`
	Duration    float64 `json:"duration"`
	AudioTracks []struct {
		Index    int    `json:"index"`
		Language string `json:"language"`
		Label    string `json:"label"`
	} `json:"audioTracks"`
	Qualities []string `json:"qualities"`
	Subtitles []struct {
		Src     string `json:"src"`
		Srclang string `json:"srclang"`
		Label   string `json:"label"`
		Default bool   `json:"default"`
	} `json:"subtitles"`
	Error string `json:"error"`
	Retry int    `json:"retry"`
}

func (s *playerSite) play(t *testing.T, id int64, query string) (int, playAnswer) {
	t.Helper()
	resp, body := s.get(t, fmt.Sprintf("/movies/%d/play?%s", id, query))
	var a playAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("play %d?%s: status %d, not JSON: %v: %.300s", id, query, resp.StatusCode, err, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("play: Content-Type %q", ct)
	}
	return resp.StatusCode, a
}

func TestPlayDecisions(t *testing.T) {
	s := newPlayerSite(t, 8, time.Minute)
	films := map[string]int64{}
	for i, key := range []string{"h264", "hevc", "avi", "mp4"} {
		films[key] = s.addFixtureFilm(t, key, fmt.Sprintf("%040x", 0xa0+i)).ID
	}
	tests := []struct {
		film, query string
		mode        string
		reason      string // a substring
		src         string // a substring
		audio       []string
		qualities   int
	}{
		{"h264", "caps=" + chromeCaps, "remux", "MKV with H.264/AAC: copied into HLS", "/hls/0.original.cc/index.m3u8", []string{"und"}, 1},
		{"h264", "caps=" + chromeCaps + ",matroska", "remux", "(seeking in MKV is unreliable in browsers)", "/hls/0.original.cc/", nil, 1},
		{"hevc", "caps=" + chromeCaps, "transcode", "MKV with HEVC/AC-3: video converted to H.264, audio to AAC", "/hls/0.original.xx/", []string{"en", "fr"}, 1},
		{"hevc", "caps=" + chromeCaps + "&audio=1&quality=480p", "transcode", "video converted to H.264", "/hls/1.original.xx/", nil, 1},
		{"avi", "caps=" + chromeCaps, "transcode", "AVI with MPEG-4/MP3: video converted to H.264, audio to AAC", "/hls/0.original.xx/", nil, 1},
		{"mp4", "caps=" + chromeCaps, "direct", "MP4 with H.264/AAC: played as it is", "/stream", nil, 1},
		// A browser that plays nothing gets a full conversion.
		{"mp4", "caps=", "transcode", "video converted to H.264, audio to AAC", "/hls/0.original.xx/", nil, 1},
		// A quality above the file's own changes nothing.
		{"mp4", "caps=" + chromeCaps + "&quality=480", "direct", "played as it is", "/stream", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.film+"?"+tt.query, func(t *testing.T) {
			status, a := s.play(t, films[tt.film], tt.query)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, a.Error)
			}
			if a.Mode != tt.mode || !strings.Contains(a.Reason, tt.reason) || !strings.Contains(a.Src, tt.src) {
				t.Errorf("got %s %q %s, want %s %q %s", a.Mode, a.Reason, a.Src, tt.mode, tt.reason, tt.src)
			}
			if a.Duration < fixtureLength.Seconds()-0.5 || a.Duration > fixtureLength.Seconds()+0.5 {
				t.Errorf("duration %v, want about %v", a.Duration, fixtureLength.Seconds())
			}
			if len(a.Qualities) != tt.qualities || a.Qualities[0] != "original" {
				t.Errorf("qualities %v", a.Qualities)
			}
			if a.Mode != "direct" && a.HLSJS != "/static/vendor/hls.min.js" {
				t.Errorf("hlsJS = %q", a.HLSJS)
			}
			for i, lang := range tt.audio {
				if i >= len(a.AudioTracks) || (lang != "und" && a.AudioTracks[i].Language != lang) {
					t.Errorf("audio tracks %+v, want languages %v", a.AudioTracks, tt.audio)
				}
			}
		})
	}

	// The reason is said in the viewer's language.
	if resp, _ := s.me.post(t, "/language", url.Values{"lang": {"fr"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("switching to French: status %d", resp.StatusCode)
	}
	if _, fr := s.play(t, films["hevc"], "caps="+chromeCaps); fr.Reason != "MKV avec HEVC/AC-3 : vidéo convertie en H.264, son en AAC" {
		t.Errorf("reason in French: %q", fr.Reason)
	}
	s.me.post(t, "/language", url.Values{"lang": {"en"}})

	_, a := s.play(t, films["hevc"], "caps="+chromeCaps)
	if len(a.AudioTracks) != 2 || a.AudioTracks[0].Label != "English (AC3, stereo)" || a.AudioTracks[1].Label != "Français (AC3, stereo)" {
		t.Errorf("HEVC audio tracks: %+v", a.AudioTracks)
	}
	// The embedded English track of the H.264 MKV, on for this English viewer.
	_, a = s.play(t, films["h264"], "caps="+chromeCaps)
	if len(a.Subtitles) != 1 || a.Subtitles[0].Srclang != "en" || !a.Subtitles[0].Default ||
		a.Subtitles[0].Label != "English (in the file)" {
		t.Errorf("H.264 MKV subtitles: %+v", a.Subtitles)
	}

	bad := []struct{ query, message string }{
		{"audio=2", "no such audio track"},
		{"audio=-1", "no such audio track"},
		{"quality=4k", "Unknown quality"},
		{"caps=" + strings.Repeat("h264,", 100), "too long"},
	}
	for _, b := range bad {
		status, a := s.play(t, films["hevc"], b.query)
		if status != http.StatusBadRequest || !strings.Contains(a.Error, b.message) {
			t.Errorf("play ?%s: %d %q, want 400 %q", b.query, status, a.Error, b.message)
		}
	}
	if status, a := s.play(t, 999, "caps=h264"); status != http.StatusNotFound || a.Error == "" {
		t.Errorf("unknown film: %d %q", status, a.Error)
	}
}

func TestHLSRoutes(t *testing.T) {
	s := newPlayerSite(t, 4, time.Minute)
	m := s.addFixtureFilm(t, "hevc", strings.Repeat("b", 40))
	_, a := s.play(t, m.ID, "caps="+chromeCaps+"&audio=1")
	if a.Mode != "transcode" {
		t.Fatalf("mode %s", a.Mode)
	}
	resp, body := s.get(t, a.Src)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("playlist: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	segments := strings.Count(body, "#EXTINF:")
	if want := int(fixtureLength / fixtureSegment); segments != want || !strings.Contains(body, "#EXT-X-ENDLIST") {
		t.Fatalf("playlist has %d segments, want %d:\n%s", segments, want, body)
	}
	base := strings.TrimSuffix(a.Src, "index.m3u8")
	// The first, then the last (a restart far ahead), then the second.
	for _, n := range []int{0, segments - 1, 1} {
		resp, seg := s.get(t, fmt.Sprintf("%sseg%d.ts", base, n))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp2t" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("segment %d: %d %q: %.200s", n, resp.StatusCode, resp.Header.Get("Content-Type"), seg)
		}
		if len(seg) < 188*10 || seg[0] != 0x47 || seg[188] != 0x47 {
			t.Errorf("segment %d is not MPEG-TS (%d bytes)", n, len(seg))
		}
	}
	for _, p := range []string{base + "seg99.ts", base + "seg-1.ts", base + "seg01.ts", base + "index.txt",
		fmt.Sprintf("/movies/%d/hls/9.original.xx/seg0.ts", m.ID), fmt.Sprintf("/movies/%d/hls/0.2k.xx/seg0.ts", m.ID)} {
		if resp, _ := s.get(t, p); resp.StatusCode < 400 {
			t.Errorf("GET %s: %d, want an error", p, resp.StatusCode)
		}
	}
	// Another person gets a conversion of their own, not this one.
	other := s.signUp(t, "other", "other@example.org", testPassword)
	before := s.manager.Len()
	if resp, _ := other.get(t, a.Src); resp.StatusCode != 200 || s.manager.Len() != before+1 {
		t.Errorf("another viewer's playlist: %d, sessions %d → %d", resp.StatusCode, before, s.manager.Len())
	}
	// ffmpeg's way in needs its token.
	if resp, _ := s.get(t, "/internal/stream/0123456789abcdef0123456789abcdef"); resp.StatusCode != 404 {
		t.Errorf("internal stream with a made-up token: %d", resp.StatusCode)
	}
}

func TestPlayBusy(t *testing.T) {
	s := newPlayerSite(t, 1, time.Minute)
	a := s.addFixtureFilm(t, "hevc", strings.Repeat("c", 40))
	b := s.addFixtureFilm(t, "avi", strings.Repeat("d", 40))
	if status, ans := s.play(t, a.ID, "caps="+chromeCaps); status != 200 {
		t.Fatalf("first conversion: %d %s", status, ans.Error)
	}
	status, ans := s.play(t, b.ID, "caps="+chromeCaps)
	// Busy is a state the page shows and retries: 200 with an error and a
	// retry delay, so that the browser logs no failed request.
	if status != http.StatusOK || ans.Retry <= 0 || !strings.Contains(ans.Error, "Too many films are being converted") {
		t.Errorf("second conversion past MaxJobs: %d %q", status, ans.Error)
	}
	// Direct play needs no conversion, so it still works.
	c := s.addFixtureFilm(t, "mp4", strings.Repeat("e", 40))
	if status, ans := s.play(t, c.ID, "caps="+chromeCaps); status != 200 || ans.Mode != "direct" {
		t.Errorf("direct play while busy: %d %s %q", status, ans.Mode, ans.Error)
	}
}

func TestConversionEndsWhenViewerLeaves(t *testing.T) {
	s := newPlayerSite(t, 4, time.Second)
	m := s.addFixtureFilm(t, "avi", strings.Repeat("f", 40))
	_, a := s.play(t, m.ID, "caps="+chromeCaps)
	if resp, _ := s.get(t, strings.TrimSuffix(a.Src, "index.m3u8")+"seg0.ts"); resp.StatusCode != 200 {
		t.Fatalf("segment 0: %d", resp.StatusCode)
	}
	if s.manager.Len() != 1 {
		t.Fatalf("%d sessions, want 1", s.manager.Len())
	}
	deadline := time.Now().Add(15 * time.Second)
	for s.manager.Len() > 0 || s.runner.Running() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the viewer left: %d sessions, %d ffmpeg jobs", s.manager.Len(), s.runner.Running())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Coming back reopens the conversion where the player asks.
	if resp, _ := s.get(t, strings.TrimSuffix(a.Src, "index.m3u8")+"seg3.ts"); resp.StatusCode != 200 {
		t.Errorf("segment 3 after the conversion ended: %d", resp.StatusCode)
	}
}

func TestSubtitleRoutes(t *testing.T) {
	s := newPlayerSite(t, 4, time.Minute)
	m := s.addFixtureFilm(t, "h264", strings.Repeat("1", 40),
		fakeFile{path: "Film/Subs/Film.fr.srt", data: latin1Subtitle},
		fakeFile{path: "Film/notes.txt", data: []byte("not a subtitle")})
	_, a := s.play(t, m.ID, "caps="+chromeCaps)
	byLang := map[string]string{}
	for _, sub := range a.Subtitles {
		byLang[sub.Srclang] = sub.Src
	}
	if len(a.Subtitles) != 2 || byLang["fr"] == "" || byLang["en"] == "" {
		t.Fatalf("subtitles: %+v", a.Subtitles)
	}
	for lang, want := range map[string]string{"fr": "Très bien, café", "en": "Hello there"} {
		resp, body := s.get(t, byLang[lang])
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/vtt; charset=utf-8" {
			t.Fatalf("%s: %d %q: %s", byLang[lang], resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if !strings.HasPrefix(body, "WEBVTT") || !strings.Contains(body, want) || !strings.Contains(body, "01.0") {
			t.Errorf("%s:\n%s\nwant the cue %q", byLang[lang], body, want)
		}
		// Served again from the cache, the same.
		if _, again := s.get(t, byLang[lang]); again != body {
			t.Errorf("%s changed on the second request", byLang[lang])
		}
	}
	for _, p := range []string{"fr-torrent_2.vtt", "fr-torrent_9.vtt", "de-torrent_1.vtt", "en-embedded_1.vtt",
		"en-opensubtitles.vtt", "..%2f..%2fsecret-torrent_1.vtt", "fr-torrent_1.srt", "nodash.vtt"} {
		if resp, _ := s.get(t, fmt.Sprintf("/movies/%d/subtitles/%s", m.ID, p)); resp.StatusCode != 404 {
			t.Errorf("subtitle %s: %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestVendorHLSJS(t *testing.T) {
	s := newPlayerSite(t, 1, time.Minute)
	resp, body := s.get(t, "/static/vendor/hls.min.js")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(body, "Hls") {
		t.Errorf("hls.js: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	// Only the film page loads the player.
	if _, page := s.get(t, "/movies/1"); !strings.Contains(page, "player.js") || !strings.Contains(page, `data-play="/movies/1/play"`) {
		t.Errorf("the film page has no player")
	}
	if _, home := s.get(t, "/"); strings.Contains(home, "player.js") || strings.Contains(home, "hls") {
		t.Errorf("the home page loads the player")
	}
	missing := newSite(t, nil)
	if resp, _ := missing.get(t, "/static/vendor/hls.min.js"); resp.StatusCode != 404 {
		t.Errorf("hls.js without a vendor dir: %d", resp.StatusCode)
	}
}
