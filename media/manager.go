package media

import (
	"fmt"
	"sync"
	"time"

	"github.com/hypertube/hypertube"
)

// SessionKey names a session: one per viewer, film, audio track and
// quality, so that a page reload finds its conversion again.
type SessionKey struct {
	Viewer     string
	Film       string
	AudioTrack int
	Quality    Quality
}

// Source is a film to convert: where ffmpeg reads it, what ffprobe said
// about it and what Decide chose.
type Source struct {
	Input    string
	Probe    *Probe
	Decision Decision
}

// Manager holds the running sessions by key and caps how many run at once.
type Manager struct {
	Runner *Runner
	// MaxJobs caps the sessions, and so the ffmpeg jobs, alive at once;
	// past it Open fails with EUNAVAILABLE. Zero or less means no cap.
	MaxJobs         int
	Idle            time.Duration // 0 means DefaultIdle
	SegmentDuration time.Duration // 0 means DefaultSegmentDuration
	// Preset is the libx264 preset; "" means "veryfast", or "ultrafast"
	// when H.264 is re-encoded only for its keyframes.
	Preset  string
	TempDir string // "" means os.TempDir()

	mu       sync.Mutex
	sessions map[SessionKey]*Session
}

// Open returns the session of key, starting one for src when there is none.
func (m *Manager) Open(key SessionKey, src Source) (*Session, error) {
	if src.Probe == nil || src.Probe.Video() == nil {
		return nil, hypertube.Errorf(hypertube.EINVALID, "This file has no picture to play.")
	}
	audio := 0
	for _, st := range src.Probe.Streams {
		if st.Type == "audio" {
			audio++
		}
	}
	if key.AudioTrack < 0 || key.AudioTrack >= max(audio, 1) {
		return nil, hypertube.Errorf(hypertube.EINVALID, "This film has no audio track number %d.", key.AudioTrack+1)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.sessions[key]; ok {
		s.touch()
		return s, nil
	}
	if m.MaxJobs > 0 && len(m.sessions) >= m.MaxJobs {
		return nil, hypertube.Errorf(hypertube.EUNAVAILABLE, "Too many films are being converted right now; try again in a few minutes.")
	}
	preset := m.Preset
	if preset == "" && !src.Decision.VideoCopy && src.Probe.Video().Codec == hlsVideo && key.Quality == QualityOriginal {
		// H.264 re-encoded at its own size is re-encoded only to place
		// keyframes (see Decide): the fastest preset keeps up with the
		// viewer on a small server, at the cost of bits, not of picture.
		preset = "ultrafast"
	}
	s, err := NewSession(m.Runner, SessionConfig{
		Owner:           fmt.Sprintf("viewer %s film %s", key.Viewer, key.Film),
		Input:           src.Input,
		Duration:        src.Probe.Duration,
		SourceHeight:    src.Probe.Video().Height,
		Decision:        src.Decision,
		AudioTrack:      key.AudioTrack,
		Quality:         key.Quality,
		SegmentDuration: m.SegmentDuration,
		Idle:            m.Idle,
		Preset:          preset,
		ShortProbe:      describesStreams(src.Probe),
		TempDir:         m.TempDir,
	})
	if err != nil {
		return nil, err
	}
	s.onClose = func(s *Session) { m.forget(key, s) }
	if m.sessions == nil {
		m.sessions = make(map[SessionKey]*Session)
	}
	m.sessions[key] = s
	return s, nil
}

// Get returns the live session of key.
func (m *Manager) Get(key SessionKey) (*Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	return s, ok
}

// Len is the number of live sessions.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}

// Close ends every session.
func (m *Manager) Close() {
	m.mu.Lock()
	all := make([]*Session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	for _, s := range all {
		s.Close()
	}
}

func (m *Manager) forget(key SessionKey, s *Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions[key] == s {
		delete(m.sessions, key)
	}
}
